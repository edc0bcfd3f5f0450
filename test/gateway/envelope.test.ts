import { exports } from "cloudflare:workers";
import { describe, it } from "vitest";

const BASE = "http://sc.test";

describe("gateway envelope", () => {
  it("/v1/health asks every worker over its binding", async ({ expect }) => {
    const res = await exports.default.fetch(`${BASE}/v1/health`);
    const body = await res.json();
    expect(body).toMatchObject({ checks: { auth: { status: "ok" }, chat: { status: "ok" } } });
  });
});
