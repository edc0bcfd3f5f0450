import { describe, it } from "vitest";
import { get } from "./support";

describe("auth and users in /openapi.json", () => {
  it("describes every auth, users, ticket and JWKS route", async ({ expect }) => {
    const res = await get("/openapi.json");
    expect(res.status).toBe(200);
    const doc = await res.json<{ paths: Record<string, Record<string, unknown>> }>();
    const expected: [string, string][] = [
      ["/.well-known/jwks.json", "get"],
      ["/v1/auth/register", "post"],
      ["/v1/auth/login", "post"],
      ["/v1/auth/refresh", "post"],
      ["/v1/auth/logout", "post"],
      ["/v1/auth/verify-email", "post"],
      ["/v1/auth/resend-verification", "post"],
      ["/v1/auth/forgot-password", "post"],
      ["/v1/auth/reset-password", "post"],
      ["/v1/auth/sessions", "get"],
      ["/v1/auth/sessions/{session_id}", "delete"],
      ["/v1/ws/ticket", "post"],
      ["/v1/users/me", "get"],
      ["/v1/users/me", "patch"],
      ["/v1/users", "get"],
      ["/v1/users/{user_id}", "get"],
      ["/v1/users/me/devices", "get"],
      ["/v1/users/me/devices", "post"],
      ["/v1/users/me/devices/{device_id}", "delete"],
    ];
    for (const [path, method] of expected) expect(doc.paths[path]?.[method], `${method.toUpperCase()} ${path}`).toBeDefined();
  });
});
