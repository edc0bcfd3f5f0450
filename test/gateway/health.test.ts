import { exports } from "cloudflare:workers";
import { describe, it } from "vitest";

describe("health", () => {
  it("GET /health answers the gateway's liveness", async ({ expect }) => {
    const res = await exports.default.fetch("http://sc.test/health");
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ status: "ok", service: "gateway", version: "0.1.0-test" });
  });
});
