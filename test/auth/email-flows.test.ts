/**
 * Verification and reset through the real EMAIL queue: auth queues the job, the consumer renders
 * it into the dev mailbox, and the test reads the code back from `GET /dev/mailbox?to=`.
 */
import { describe, it } from "vitest";
import { createUser, uniqueEmail } from "../helpers/auth";
import { bearer, codeOf, errorCode, get, mailFor, post } from "./support";

describe("email verification", () => {
  it("register queues a verification email whose token verifies the address, once", async ({ expect }) => {
    const { user, headers } = await createUser();
    const [mail] = await mailFor(user.email, "verify_email");
    const token = codeOf(mail);

    const res = await post("/v1/auth/verify-email", { token });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ user: { id: user.id, email_verified: true } });
    expect(await (await get("/v1/users/me", headers)).json()).toMatchObject({ user: { email_verified: true } });

    const replay = await post("/v1/auth/verify-email", { token });
    expect(replay.status).toBe(400);
    expect(await errorCode(replay)).toBe("VALIDATION_ERROR");
  });

  it("resend-verification (202) sends a new token and spends the previous one", async ({ expect }) => {
    const { user, headers } = await createUser();
    const [first] = await mailFor(user.email, "verify_email");
    const res = await post("/v1/auth/resend-verification", {}, headers);
    expect(res.status).toBe(202);
    const both = await mailFor(user.email, "verify_email", 2);
    const newest = both[0];
    expect(codeOf(newest)).not.toBe(codeOf(first));
    expect((await post("/v1/auth/verify-email", { token: codeOf(first) })).status).toBe(400);
    expect((await post("/v1/auth/verify-email", { token: codeOf(newest) })).status).toBe(200);
    // Once verified, asking again is accepted and harmless.
    expect((await post("/v1/auth/resend-verification", {}, headers)).status).toBe(202);
    expect((await post("/v1/auth/resend-verification", {})).status).toBe(401);
  });

  it("refuses made-up and wrongly typed tokens", async ({ expect }) => {
    expect((await post("/v1/auth/verify-email", { token: "A".repeat(43) })).status).toBe(400);
    expect((await post("/v1/auth/verify-email", { token: 42 })).status).toBe(400);
    expect((await post("/v1/auth/verify-email", {})).status).toBe(400);
  });
});

describe("password reset", () => {
  it("forgot-password answers the same 202 for known and unknown emails", async ({ expect }) => {
    const { user } = await createUser();
    const known = await post("/v1/auth/forgot-password", { email: user.email });
    const unknown = await post("/v1/auth/forgot-password", { email: uniqueEmail("ghost") });
    expect(known.status).toBe(202);
    expect(unknown.status).toBe(202);
    expect(await unknown.json()).toEqual(await known.json());
    expect((await post("/v1/auth/forgot-password", { email: 7 })).status).toBe(400);
  });

  it("reset-password sets the new password, revokes every session, and works once", async ({ expect }) => {
    const a = await createUser();
    const second = await (
      await post("/v1/auth/login", { email: a.user.email, password: a.password })
    ).json<{
      access_token: string;
      refresh_token: string;
    }>();
    expect((await get("/v1/users/me", bearer(a.accessToken))).status).toBe(200);
    expect((await post("/v1/auth/forgot-password", { email: a.user.email.toUpperCase() })).status).toBe(202);
    const token = codeOf((await mailFor(a.user.email, "password_reset"))[0]);

    const weak = await post("/v1/auth/reset-password", { token, new_password: "short" });
    expect(weak.status).toBe(400);
    const res = await post("/v1/auth/reset-password", { token, new_password: "a brand new passphrase" });
    expect(res.status).toBe(200);

    // Every session is gone: access tokens (immediately, in this isolate) and refresh tokens.
    expect((await get("/v1/users/me", bearer(a.accessToken))).status).toBe(401);
    expect((await get("/v1/users/me", bearer(second.access_token))).status).toBe(401);
    expect((await post("/v1/auth/refresh", { refresh_token: a.refreshToken })).status).toBe(401);
    expect((await post("/v1/auth/refresh", { refresh_token: second.refresh_token })).status).toBe(401);

    expect((await post("/v1/auth/login", { email: a.user.email, password: a.password })).status).toBe(401);
    const fresh = await post("/v1/auth/login", { email: a.user.email, password: "a brand new passphrase" });
    expect(fresh.status).toBe(200);
    // Following the emailed code proved the address.
    expect(await fresh.json()).toMatchObject({ user: { email_verified: true } });

    const replay = await post("/v1/auth/reset-password", { token, new_password: "yet another passphrase" });
    expect(replay.status).toBe(400);
    expect(await errorCode(replay)).toBe("VALIDATION_ERROR");
  });

  it("a verification token cannot reset a password", async ({ expect }) => {
    const { user } = await createUser();
    const token = codeOf((await mailFor(user.email, "verify_email"))[0]);
    expect((await post("/v1/auth/reset-password", { token, new_password: "takeover-attempt" })).status).toBe(400);
    // ...and it still verifies the email, since the failed attempt did not spend it.
    expect((await post("/v1/auth/verify-email", { token })).status).toBe(200);
  });
});
