import { exports } from "cloudflare:workers";
import { describe, it } from "vitest";
import { BASE, createUser, DEFAULT_PASSWORD, uniqueEmail, uniqueIp, uniqueUsername } from "../helpers/auth";

function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return exports.default.fetch(`${BASE}${path}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "cf-connecting-ip": uniqueIp(), ...headers },
    body: JSON.stringify(body),
  });
}

describe("register", () => {
  it("creates an account and answers a token pair", async ({ expect }) => {
    const email = uniqueEmail();
    const username = uniqueUsername();
    const res = await post("/v1/auth/register", { email, username, password: DEFAULT_PASSWORD, display_name: "Ada" });
    expect(res.status).toBe(201);
    const body = await res.json();
    expect(body).toMatchObject({
      user: { email, username, display_name: "Ada", email_verified: false },
      token_type: "Bearer",
      expires_in: 900,
    });
  });

  it("GET /v1/users/me answers the caller", async ({ expect }) => {
    const { user, headers } = await createUser();
    const res = await exports.default.fetch(`${BASE}/v1/users/me`, { headers });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ user });
  });
});
