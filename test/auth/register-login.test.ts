import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { withDb } from "../../lib/db";
import { hashPassword } from "../../workers/auth/src/password";
import { createUser, DEFAULT_PASSWORD, uniqueEmail, uniqueUsername } from "../helpers/auth";
import { bearer, errorCode, get, post } from "./support";

interface ErrorBody {
  error: { code: string; message: string; details?: { field?: string }[] };
}

describe("register", () => {
  it("creates an account and answers a token pair", async ({ expect }) => {
    const email = uniqueEmail();
    const username = uniqueUsername();
    const res = await post("/v1/auth/register", { email, username, password: DEFAULT_PASSWORD, display_name: "Ada" });
    expect(res.status).toBe(201);
    const body = await res.json();
    expect(body).toMatchObject({
      user: { email, username, display_name: "Ada", email_verified: false, avatar_file_id: null },
      token_type: "Bearer",
      expires_in: 900,
    });
  });

  it("defaults the display name to the username", async ({ expect }) => {
    const { user } = await createUser();
    expect(user.display_name).toBe(user.username);
  });

  it("GET /v1/users/me answers the caller", async ({ expect }) => {
    const { user, headers } = await createUser();
    const res = await get("/v1/users/me", headers);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ user });
  });

  it("refuses a taken email or username, whatever their case (409 CONFLICT)", async ({ expect }) => {
    const { user } = await createUser();
    const sameEmail = await post("/v1/auth/register", { email: user.email.toUpperCase(), username: uniqueUsername(), password: DEFAULT_PASSWORD });
    expect(sameEmail.status).toBe(409);
    expect((await sameEmail.json<ErrorBody>()).error).toMatchObject({ code: "CONFLICT", details: [{ field: "email" }] });
    const sameName = await post("/v1/auth/register", { email: uniqueEmail(), username: user.username.toUpperCase(), password: DEFAULT_PASSWORD });
    expect(sameName.status).toBe(409);
    expect((await sameName.json<ErrorBody>()).error).toMatchObject({ code: "CONFLICT", details: [{ field: "username" }] });
  });

  it("enforces the password policy: 8 to 256 characters", async ({ expect }) => {
    for (const password of ["short", "x".repeat(257)]) {
      const res = await post("/v1/auth/register", { email: uniqueEmail(), username: uniqueUsername(), password });
      expect(res.status).toBe(400);
      const body = await res.json<ErrorBody>();
      expect(body.error.code).toBe("VALIDATION_ERROR");
      expect(body.error.details?.map((d) => d.field)).toContain("password");
    }
    const ok = await post("/v1/auth/register", { email: uniqueEmail(), username: uniqueUsername(), password: "8 chars!" });
    expect(ok.status).toBe(201);
  });

  it("names each bad field of an invalid body", async ({ expect }) => {
    const res = await post("/v1/auth/register", { email: "not-an-email", username: "a b", password: 12345678, display_name: 7 });
    expect(res.status).toBe(400);
    const body = await res.json<ErrorBody>();
    expect(body.error.code).toBe("VALIDATION_ERROR");
    expect(body.error.details?.map((d) => d.field).sort()).toEqual(["display_name", "email", "password", "username"]);
  });

  it("answers malformed JSON with 400 BAD_REQUEST and a huge body with 413", async ({ expect }) => {
    const malformed = await post("/v1/auth/register", '{"email": "a@b.c", ');
    expect(malformed.status).toBe(400);
    expect(await errorCode(malformed)).toBe("BAD_REQUEST");
    const huge = await post("/v1/auth/register", { email: uniqueEmail(), username: uniqueUsername(), password: "p".repeat(2 * 1024 * 1024) });
    expect(huge.status).toBe(413);
    expect(await errorCode(huge)).toBe("PAYLOAD_TOO_LARGE");
  });
});

describe("login", () => {
  it("signs in with the email in any case, unverified emails included", async ({ expect }) => {
    const { user, password } = await createUser();
    const res = await post("/v1/auth/login", { email: user.email.toUpperCase(), password });
    expect(res.status).toBe(200);
    const body = await res.json<{ user: { id: string; email_verified: boolean }; access_token: string }>();
    expect(body.user).toMatchObject({ id: user.id, email_verified: false });
    expect((await get("/v1/users/me", bearer(body.access_token))).status).toBe(200);
  });

  it("answers an unknown email and a wrong password identically (no enumeration)", async ({ expect }) => {
    const { user } = await createUser();
    const wrongPassword = await post("/v1/auth/login", { email: user.email, password: "not the password" });
    const unknownEmail = await post("/v1/auth/login", { email: uniqueEmail("nobody"), password: "not the password" });
    expect(wrongPassword.status).toBe(401);
    expect(unknownEmail.status).toBe(401);
    const a = await wrongPassword.json<ErrorBody>();
    const b = await unknownEmail.json<ErrorBody>();
    expect(a.error.code).toBe("INVALID_CREDENTIALS");
    expect({ code: b.error.code, message: b.error.message }).toEqual({ code: a.error.code, message: a.error.message });
  });

  it("spends about the same time on an unknown email as on a wrong password (measured, logged)", async ({ expect }) => {
    const { user } = await createUser();
    const timeOf = async (email: string): Promise<number> => {
      const started = performance.now();
      const res = await post("/v1/auth/login", { email, password: "not the password" });
      expect(res.status).toBe(401);
      return performance.now() - started;
    };
    const wrong: number[] = [];
    const unknown: number[] = [];
    // Interleaved, so machine load affects both series alike; the numbers go to the log, not an assertion.
    for (let i = 0; i < 8; i++) {
      wrong.push(await timeOf(user.email));
      unknown.push(await timeOf(uniqueEmail("nobody")));
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
    console.log(`login 401 median: wrong password ${median(wrong).toFixed(1)} ms, unknown email ${median(unknown).toFixed(1)} ms (8 each)`);
  });

  it("refuses bodies of the wrong shape with 400", async ({ expect }) => {
    for (const body of [{}, { email: ["a@b.c"], password: "x" }, { email: "a@b.c", password: null }, "[]"]) {
      const res = await post("/v1/auth/login", body);
      expect(res.status).toBe(400);
    }
  });

  it("rehashes a password stored at an old cost on the next successful login", async ({ expect }) => {
    const { user, password } = await createUser();
    await withDb(env, async (db) => {
      await db.users.setPasswordHash(user.id, await hashPassword(password, 1000));
    });
    expect((await post("/v1/auth/login", { email: user.email, password })).status).toBe(200);
    const stored = await withDb(env, async (db) => (await db.users.findById(user.id))?.passwordHash);
    expect(stored).toMatch(/^pbkdf2-sha256\$100000\$/);
    expect((await post("/v1/auth/login", { email: user.email, password })).status).toBe(200);
  });
});
