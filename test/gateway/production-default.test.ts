/**
 * Issue 16 item 1: production is the default. Every worker is driven with ENVIRONMENT absent (what a
 * deploy without the dev launcher's configs gets if the var were ever dropped) and with an unknown value;
 * nothing dev-only may answer. The test env itself says "development" (test/wrangler.test.toml).
 */
import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { environmentOf, isDevelopment } from "../../lib/environment";
import { AuthService } from "../../workers/auth/src/index";
import { CallsService } from "../../workers/calls/src/index";
import { ChatService } from "../../workers/chat/src/index";
import gateway from "../../workers/gateway/src/index";
import { StorageService } from "../../workers/storage/src/index";
import { createUser } from "../helpers/auth";

/** A copy of env with no ENVIRONMENT at all (the property is absent, not an empty string). */
function withoutEnvironment<T extends { ENVIRONMENT: string }>(source: T): T {
  const copy = { ...source };
  Reflect.deleteProperty(copy, "ENVIRONMENT");
  return copy;
}

type TestEnv = typeof env;
type GatewayRequest = Parameters<typeof gateway.fetch>[0];

const production = withoutEnvironment(env);
const ctx = { requestId: "production-default" };

async function viaGateway(path: string, init: RequestInit = {}, environment: TestEnv = production): Promise<Response> {
  return gateway.fetch(new Request(`https://api.example.com${path}`, init) as GatewayRequest, environment, createExecutionContext());
}

async function errorCode(res: Response): Promise<string> {
  return (await res.json<{ error: { code: string } }>()).error.code;
}

describe("production is the default mode", () => {
  it("only exactly 'development' is development", ({ expect }) => {
    expect(isDevelopment({ ENVIRONMENT: "development" })).toBe(true);
    for (const value of [undefined, "", "test", "Development", "production", "dev"]) {
      expect(isDevelopment({ ENVIRONMENT: value })).toBe(false);
      expect(environmentOf({ ENVIRONMENT: value })).toBe("production");
    }
    expect(isDevelopment(production)).toBe(false);
  });

  it("the gateway has no /dev/* routes: mailbox, push outbox and dev S3 answer the 404 envelope", async ({ expect }) => {
    for (const path of ["/dev/mailbox?to=a@example.com", "/dev/push-outbox?user_id=u", "/dev/s3/secureconnect-files/files/u/f"]) {
      const res = await viaGateway(path);
      expect(res.status, path).toBe(404);
      expect(await errorCode(res)).toBe("NOT_FOUND");
    }
    const put = await viaGateway("/dev/s3/secureconnect-files/files/u/f", { method: "PUT", body: "x", headers: { "Content-Type": "image/png" } });
    expect(put.status).toBe(404);
    // The same requests in development reach the routes (validation answers, not 404).
    expect((await viaGateway("/dev/mailbox", {}, env)).status).toBe(400);
  });

  it("/openapi.json lists no /dev path in production, and lists them in development", async ({ expect }) => {
    const paths = async (environment: TestEnv) => Object.keys((await (await viaGateway("/openapi.json", {}, environment)).json<{ paths: object }>()).paths);
    const prodPaths = await paths(production);
    expect(prodPaths.length).toBeGreaterThan(10);
    expect(prodPaths.filter((p) => p.startsWith("/dev"))).toEqual([]);
    expect(await paths(env)).toEqual(expect.arrayContaining(["/dev/mailbox", "/dev/push-outbox"]));
  });

  it("no localhost CORS: a localhost origin gets no Access-Control-Allow-Origin, the allow-list still does", async ({ expect }) => {
    const localhost = await viaGateway("/health", { headers: { Origin: "http://localhost:3000" } });
    expect(localhost.headers.get("Access-Control-Allow-Origin")).toBeNull();
    const listed = await viaGateway("/health", { headers: { Origin: "https://app.example.com" } });
    expect(listed.headers.get("Access-Control-Allow-Origin")).toBe("https://app.example.com");
    const dev = await viaGateway("/health", { headers: { Origin: "http://localhost:3000" } }, env);
    expect(dev.headers.get("Access-Control-Allow-Origin")).toBe("http://localhost:3000");
  });

  it("/v1/health reports the mode", async ({ expect }) => {
    const prod = await (await viaGateway("/v1/health")).json<{ environment: string }>();
    expect(prod.environment).toBe("production");
    const unknown = await (await viaGateway("/v1/health", {}, { ...env, ENVIRONMENT: "staging" })).json<{ environment: string }>();
    expect(unknown.environment).toBe("production");
    const dev = await (await viaGateway("/v1/health", {}, env)).json<{ environment: string }>();
    expect(dev.environment).toBe("development");
  });

  it("auth refuses the dev mailbox and chat the dev push outbox", async ({ expect }) => {
    const mailbox = await new AuthService(createExecutionContext(), withoutEnvironment(env)).devMailbox(ctx, { to: "a@example.com" });
    expect(mailbox.ok ? "ok" : mailbox.error.code).toBe("NOT_FOUND");
    const outbox = await new ChatService(createExecutionContext(), withoutEnvironment(env)).devPushOutbox(ctx, { user_id: "u" });
    expect(outbox.ok ? "ok" : outbox.error.code).toBe("NOT_FOUND");
    // Without an SMTP host or an FCM account, production health names them instead of using the dev sinks.
    const authHealth = await new AuthService(createExecutionContext(), withoutEnvironment(env)).health(ctx);
    expect(authHealth.ok && authHealth.value.service.missing).toEqual(expect.arrayContaining(["SMTP_HOST"]));
    const chatHealth = await new ChatService(createExecutionContext(), withoutEnvironment(env)).health(ctx);
    expect(chatHealth.ok && chatHealth.value.service.missing).toEqual(["FCM_SERVICE_ACCOUNT"]);
  });

  it("storage presigns for R2, never the dev S3 endpoint, and has no dev S3 endpoint itself", async ({ expect }) => {
    const alice = await createUser();
    const storage = new StorageService(createExecutionContext(), withoutEnvironment(env));
    const upload = await storage.createUploadUrl(
      { requestId: "production-default-s3", userId: alice.user.id, origin: "http://localhost:8787" },
      { file_name: "a.png", content_type: "image/png", size_bytes: 10 },
    );
    if (!upload.ok) throw new Error(upload.error.message);
    const url = new URL(upload.value.upload_url);
    expect(url.origin).toBe(`https://${env.R2_ACCOUNT_ID}.r2.cloudflarestorage.com`);
    expect(url.pathname.startsWith("/dev/")).toBe(false);
    const direct = await storage.fetch(
      new Request(`http://localhost:8787/dev/s3/secureconnect-files/files/${alice.user.id}/${upload.value.file_id}`, { method: "PUT", body: "x" }),
    );
    expect(direct.status).toBe(404);
  });

  it("calls treats a missing ENVIRONMENT as production: STUN alone is not enough", async ({ expect }) => {
    const health = await new CallsService(createExecutionContext(), withoutEnvironment(env)).health(ctx);
    expect(health.ok && health.value.service.missing).toEqual(expect.arrayContaining(["TURN_KEY_ID", "TURN_KEY_API_TOKEN"]));
    const dev = await new CallsService(createExecutionContext(), env).health(ctx);
    expect(dev.ok && dev.value.service.status).toBe("ok");
  });
});
