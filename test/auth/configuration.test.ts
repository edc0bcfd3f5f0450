/**
 * Production configuration: a missing signing key or email provider is named by health and makes
 * the dependent features answer 503, never a silent fake. Runs the auth modules with an env that
 * differs from the test one only where stated.
 */
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { register } from "../../workers/auth/src/accounts";
import { forgotPassword, resendVerification } from "../../workers/auth/src/email-flows";
import { authHealth } from "../../workers/auth/src/health";
import { createUser, uniqueEmail, uniqueUsername } from "../helpers/auth";

const ctx = { requestId: "test-configuration-1" };
const productionWithoutSmtp: AuthEnv = { ...env, ENVIRONMENT: "production", SMTP_HOST: "", SMTP_PORT: "", SMTP_FROM: "" };
const withoutKeys: AuthEnv = { ...env, JWT_SIGNING_KEYS: "" };

describe("auth configuration", () => {
  it("health names a missing signing key, never a value", async ({ expect }) => {
    const health = await authHealth(withoutKeys, ctx);
    expect(health.service).toMatchObject({ status: "error", missing: ["JWT_SIGNING_KEYS"] });
    expect(health.database).toEqual({ status: "ok" });
    expect((await authHealth(env, ctx)).service).toEqual({ status: "ok" });
  });

  it("without a signing key, register answers 503 before creating the account", async ({ expect }) => {
    const body = { email: uniqueEmail(), username: uniqueUsername(), password: "password-123" };
    await expect(register(withoutKeys, ctx, body, {})).rejects.toMatchObject({ code: "SERVICE_UNAVAILABLE" });
    // Nothing was half-created: once configured, the same registration succeeds.
    expect((await register(env, ctx, body, {})).user.email).toBe(body.email);
  });

  it("production without an email provider: forgot-password and resend answer 503", async ({ expect }) => {
    const deferred: Promise<unknown>[] = [];
    await expect(forgotPassword(productionWithoutSmtp, ctx, { email: uniqueEmail() }, (p) => deferred.push(p))).rejects.toMatchObject({
      code: "SERVICE_UNAVAILABLE",
    });
    expect(deferred).toHaveLength(0);
    const { user } = await createUser();
    await expect(resendVerification(productionWithoutSmtp, { ...ctx, userId: user.id })).rejects.toMatchObject({ code: "SERVICE_UNAVAILABLE" });
  });

  it("production without an email provider still registers (the user can ask for the email later)", async ({ expect }) => {
    const pair = await register(productionWithoutSmtp, ctx, { email: uniqueEmail(), username: uniqueUsername(), password: "password-123" }, {});
    expect(pair.user.email_verified).toBe(false);
  });
});
