import { exports } from "cloudflare:workers";
import { describe, it } from "vitest";

const BASE = "http://sc.test";
type Envelope = { error: { code: string; message: string; request_id: string; details?: { field?: string; message: string }[] } };

function post(path: string, body: BodyInit, headers: Record<string, string> = {}) {
  return exports.default.fetch(`${BASE}${path}`, { method: "POST", body, headers: { "Content-Type": "application/json", ...headers } });
}

describe("the error envelope, everywhere", () => {
  it("unknown routes are 404 NOT_FOUND with the request id (the seed answered 500)", async ({ expect }) => {
    const res = await exports.default.fetch(`${BASE}/v1/invalid-endpoint`);
    expect(res.status).toBe(404);
    const body = await res.json<Envelope>();
    expect(body.error.code).toBe("NOT_FOUND");
    expect(body.error.request_id).toBe(res.headers.get("x-request-id"));
  });

  it("unknown methods on known paths are 404 NOT_FOUND too", async ({ expect }) => {
    const res = await exports.default.fetch(`${BASE}/health`, { method: "DELETE" });
    expect(res.status).toBe(404);
    expect((await res.json<Envelope>()).error.code).toBe("NOT_FOUND");
  });

  it("malformed JSON is 400 BAD_REQUEST", async ({ expect }) => {
    const res = await post("/v1/auth/login", '{"email": "a@b.c", "password": ');
    expect(res.status).toBe(400);
    expect((await res.json<Envelope>()).error.code).toBe("BAD_REQUEST");
  });

  it("wrong types are 400 VALIDATION_ERROR with a detail per bad field", async ({ expect }) => {
    const res = await post("/v1/auth/register", JSON.stringify({ email: 42, username: ["x"], password: true }));
    expect(res.status).toBe(400);
    const body = await res.json<Envelope>();
    expect(body.error.code).toBe("VALIDATION_ERROR");
    const fields = (body.error.details ?? []).map((d) => d.field);
    expect(fields).toEqual(expect.arrayContaining(["email", "username", "password"]));
  });

  it("bodies over the configured limit are 413 PAYLOAD_TOO_LARGE, before anything parses them", async ({ expect }) => {
    const huge = JSON.stringify({ email: "a@b.c", password: "x".repeat(1024 * 1024 + 10) });
    const res = await post("/v1/auth/login", huge);
    expect(res.status).toBe(413);
    expect((await res.json<Envelope>()).error.code).toBe("PAYLOAD_TOO_LARGE");
  });

  it("a WebSocket upgrade with a client-forged identity header and no credentials is refused", async ({ expect }) => {
    const res = await exports.default.fetch(`${BASE}/v1/ws/chat?conversation_id=c1`, {
      headers: { Upgrade: "websocket", "x-sc-verified-user": "someone-else" },
    });
    expect(res.status).toBe(401);
    expect(res.webSocket).toBeNull();
    expect((await res.json<Envelope>()).error.code).toBe("UNAUTHORIZED");
  });

  it("a plain GET on a socket route is 400, not a hang or 500", async ({ expect }) => {
    const res = await exports.default.fetch(`${BASE}/v1/ws/chat?conversation_id=c1`);
    expect(res.status).toBe(400);
    expect((await res.json<Envelope>()).error.code).toBe("BAD_REQUEST");
  });
});

describe("request ids", () => {
  it("echoes a sane client id", async ({ expect }) => {
    const res = await exports.default.fetch(`${BASE}/health`, { headers: { "X-Request-Id": "client-req-12345" } });
    expect(res.headers.get("x-request-id")).toBe("client-req-12345");
  });

  it("replaces a huge or odd id with a fresh one", async ({ expect }) => {
    for (const odd of ["x".repeat(5000), "<script>alert(1)</script>", "a b c d e f g h", "short"]) {
      const res = await exports.default.fetch(`${BASE}/health`, { headers: { "X-Request-Id": odd } });
      const id = res.headers.get("x-request-id") ?? "";
      expect(id).not.toBe(odd);
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
    }
  });
});

describe("security headers and CORS", () => {
  it("sets the OWASP headers on every response, errors included", async ({ expect }) => {
    for (const path of ["/health", "/nope"]) {
      const res = await exports.default.fetch(`${BASE}${path}`);
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("x-frame-options")).toBe("DENY");
      expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
      expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    }
  });

  it("allows a configured origin and refuses another", async ({ expect }) => {
    const allowed = await exports.default.fetch(`${BASE}/health`, { headers: { Origin: "https://app.example.com" } });
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
    const evil = await exports.default.fetch(`${BASE}/health`, { headers: { Origin: "https://evil.example.net" } });
    expect(evil.headers.get("access-control-allow-origin")).toBeNull();
    const preflight = await exports.default.fetch(`${BASE}/v1/auth/login`, {
      method: "OPTIONS",
      headers: { Origin: "https://evil.example.net", "Access-Control-Request-Method": "POST" },
    });
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("docs", () => {
  it("serves OpenAPI 3.1 listing the routes, the docs page, and the swagger redirect", async ({ expect }) => {
    const doc = await (await exports.default.fetch(`${BASE}/openapi.json`)).json<{ openapi: string; paths: Record<string, unknown> }>();
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(["/health", "/v1/health", "/v1/ws/chat", "/v1/ws/signaling"]));
    const page = await exports.default.fetch(`${BASE}/docs`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("/openapi.json");
    const redirect = await exports.default.fetch(`${BASE}/swagger`, { redirect: "manual" });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get("location")).toBe("/docs");
  });
});
