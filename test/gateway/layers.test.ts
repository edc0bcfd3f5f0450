import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { createApp } from "../../lib/http/app";
import { rateLimit } from "../../workers/gateway/src/middleware/rate-limit";
import { requestContext } from "../../workers/gateway/src/middleware/request-context";
import type { GatewayBindings } from "../../workers/gateway/src/types";

type Envelope = { error: { code: string; message: string; request_id: string } };

/** A tiny app built with the gateway's own factory and middleware, to reach paths no real route takes. */
function probeApp() {
  const app = createApp<GatewayBindings>();
  app.use("*", requestContext());
  app.get("/boom", () => {
    throw new Error("SELECT password_hash FROM users -- secret sk_live_123");
  });
  app.use("/limited", rateLimit({ binding: (e) => e.RATE_LIMIT_AUTH, key: (c) => c.req.header("cf-connecting-ip") ?? "x", keyKind: "ip", scope: "probe" }));
  app.get("/limited", (c) => c.json({ ok: true }));
  return app;
}

describe("gateway layers", () => {
  it("an unexpected throw is a 500 INTERNAL_ERROR that leaks no SQL, secret or stack", async ({ expect }) => {
    const res = await probeApp().request("/boom", {}, env);
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(text).not.toContain("password_hash");
    expect(text).not.toContain("sk_live");
    expect(text).not.toContain("at ");
    const body = JSON.parse(text) as Envelope;
    expect(body.error.code).toBe("INTERNAL_ERROR");
    expect(body.error.request_id).toBe(res.headers.get("x-request-id"));
  });

  it("over the limit answers 429 RATE_LIMITED with Retry-After, per key", async ({ expect }) => {
    const app = probeApp();
    const ip = `198.51.100.${Math.floor(Math.random() * 250)}`;
    const statuses: number[] = [];
    let limited: Response | undefined;
    for (let i = 0; i < 40; i++) {
      const res = await app.request("/limited", { headers: { "cf-connecting-ip": ip } }, env);
      statuses.push(res.status);
      if (res.status === 429) limited = res;
    }
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThan(0);
    expect(limited).toBeDefined();
    expect(limited?.headers.get("retry-after")).toBe("60");
    expect((await limited?.json<Envelope>())?.error.code).toBe("RATE_LIMITED");
    const other = await app.request("/limited", { headers: { "cf-connecting-ip": "203.0.113.9" } }, env);
    expect(other.status).toBe(200);
  });
});
