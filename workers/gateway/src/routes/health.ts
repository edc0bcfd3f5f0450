import { createRoute } from "@hono/zod-openapi";
import type { Context } from "hono";
import { liveHealthSchema, readyHealthSchema, type HealthCheck, type ServiceHealth } from "../../../../lib/contracts/health";
import { environmentOf } from "../../../../lib/environment";
import { describeError } from "../../../../lib/log";
import type { Result } from "../../../../lib/result";
import type { GatewayApp, GatewayBindings } from "../types";

const HEALTH_TIMEOUT_MS = 3000;

const liveRoute = createRoute({
  method: "get",
  path: "/health",
  tags: ["health"],
  summary: "Liveness of the gateway itself",
  responses: { 200: { description: "The gateway is up", content: { "application/json": { schema: liveHealthSchema } } } },
});

const readyRoute = createRoute({
  method: "get",
  path: "/v1/health",
  tags: ["health"],
  summary: "Readiness: asks every worker and the database over its binding",
  responses: {
    200: { description: "Every dependency answers", content: { "application/json": { schema: readyHealthSchema } } },
    503: { description: "A dependency is down or a production secret is missing", content: { "application/json": { schema: readyHealthSchema } } },
  },
});

/** Asks one worker, bounded in time; an RPC throw or a timeout is that worker's failure, not ours. */
async function ask(call: () => Promise<Result<ServiceHealth>>): Promise<ServiceHealth> {
  const started = Date.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<ServiceHealth>((resolve) => {
    timer = setTimeout(() => resolve({ service: { status: "error", reason: "timed out" } }), HEALTH_TIMEOUT_MS);
  });
  try {
    const answer = await Promise.race([
      call().then((r): ServiceHealth => (r.ok ? r.value : { service: { status: "error", reason: r.error.message } })),
      timeout,
    ]);
    return { ...answer, service: { ...answer.service, latency_ms: Date.now() - started } };
  } catch (err) {
    return { service: { status: "error", reason: describeError(err) } };
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

/** The database is healthy when every worker that uses it can reach it. */
function databaseCheck(answers: ServiceHealth[]): HealthCheck {
  const reports = answers.flatMap((a) => (a.database ? [a.database] : []));
  if (reports.length === 0) return { status: "error", reason: "no worker could report on the database" };
  return reports.find((r) => r.status !== "ok") ?? reports[0] ?? { status: "ok" };
}

async function readiness(c: Context<GatewayBindings>) {
  const rpc = c.get("rpc");
  const [auth, chat, calls, storage] = await Promise.all([
    ask(() => c.env.AUTH.health(rpc)),
    ask(() => c.env.CHAT.health(rpc)),
    ask(() => c.env.CALLS.health(rpc)),
    ask(() => c.env.STORAGE.health(rpc)),
  ]);
  const checks = {
    database: databaseCheck([auth, chat, calls, storage]),
    auth: auth.service,
    chat: chat.service,
    calls: calls.service,
    storage: storage.service,
  };
  const healthy = Object.values(checks).every((check) => check.status === "ok");
  return { body: { status: healthy ? ("ok" as const) : ("degraded" as const), environment: environmentOf(c.env), checks }, healthy };
}

export function registerHealthRoutes(app: GatewayApp): void {
  app.openapi(liveRoute, (c) =>
    c.json({ status: "ok" as const, service: "gateway" as const, version: c.env.APP_VERSION, timestamp: new Date().toISOString() }, 200),
  );
  app.openapi(readyRoute, async (c) => {
    const { body, healthy } = await readiness(c);
    return healthy ? c.json(body, 200) : c.json(body, 503);
  });
}
