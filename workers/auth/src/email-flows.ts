/**
 * Email verification and password reset. Tokens are random, single-use, expiring and stored only
 * as SHA-256; the plaintext travels once, in the queued email.
 */
import { forgotPasswordSchema, resetPasswordSchema, verifyEmailSchema, type ResetPasswordInput } from "../../../lib/contracts/auth";
import type { ForgotPasswordInput, RevokedSessions, UserEnvelope, VerifyEmailInput } from "../../../lib/contracts/auth-rpc";
import type { User } from "../../../lib/db/rows";
import { AppError } from "../../../lib/errors";
import { randomToken, sha256Hex } from "../../../lib/ids";
import { describeError, log } from "../../../lib/log";
import { parseInput, verifiedCaller, type RpcContext } from "../../../lib/rpc";
import { enqueueEmail, requireEmailDelivery } from "./email-jobs";
import { isoIn, RESET_PASSWORD_TOKEN_TTL_MS, VERIFY_EMAIL_TOKEN_TTL_MS } from "./lifetimes";
import { authMetric } from "./metrics";
import { hashPassword } from "./password";
import { withRepos, type AuthRepos } from "./repos";
import { userView } from "./views";

/** Issues a fresh verification token (older unused ones are spent) and queues the email. */
export async function sendVerification(env: AuthEnv, repos: AuthRepos, rpc: RpcContext, user: User): Promise<void> {
  const token = randomToken();
  const tokenHash = await sha256Hex(token);
  await repos.sessions.invalidateEmailTokens(user.id, "verify");
  await repos.sessions.createEmailToken({ tokenHash, userId: user.id, purpose: "verify", expiresAt: isoIn(VERIFY_EMAIL_TOKEN_TTL_MS) });
  await enqueueEmail(env, { kind: "verify_email", to: user.email, username: user.username, token, tokenHash, requestId: rpc.requestId });
}

function badToken(): AppError {
  return new AppError("VALIDATION_ERROR", "The token is invalid, expired or already used.", [{ field: "token", message: "invalid, expired or already used" }]);
}

export async function verifyEmail(env: AuthEnv, rpc: RpcContext, input: VerifyEmailInput): Promise<UserEnvelope> {
  const { token } = parseInput(verifyEmailSchema, input);
  const tokenHash = await sha256Hex(token);
  return withRepos(env, async (repos) => {
    const spent = await repos.sessions.consumeEmailToken(tokenHash, "verify");
    if (!spent) {
      authMetric(env, "verify_email", "invalid_token");
      throw badToken();
    }
    await repos.users.markEmailVerified(spent.userId);
    const user = await repos.users.findById(spent.userId);
    if (!user) throw badToken();
    log({ event: "auth_email_verified", user_id: user.id, request_id: rpc.requestId });
    authMetric(env, "verify_email", "success");
    return { user: userView(user) };
  });
}

/** For the signed-in caller; already verified is a quiet no-op (still 202). */
export async function resendVerification(env: AuthEnv, rpc: RpcContext): Promise<void> {
  const caller = verifiedCaller(rpc);
  requireEmailDelivery(env);
  await withRepos(env, async (repos) => {
    const user = await repos.users.findById(caller.userId);
    if (!user) throw new AppError("UNAUTHORIZED", "A signed-in caller is required.");
    if (!user.emailVerified) await sendVerification(env, repos, rpc, user);
  });
}

/**
 * Always accepted. The lookup and the email happen after the answer (`defer`), so neither the
 * status nor the response time tells whether the address has an account.
 */
export async function forgotPassword(env: AuthEnv, rpc: RpcContext, input: ForgotPasswordInput, defer: (work: Promise<unknown>) => void): Promise<void> {
  const { email } = parseInput(forgotPasswordSchema, input);
  requireEmailDelivery(env);
  const work = withRepos(env, async (repos) => {
    const user = await repos.users.findByEmail(email);
    if (!user) return;
    const token = randomToken();
    const tokenHash = await sha256Hex(token);
    await repos.sessions.invalidateEmailTokens(user.id, "reset");
    await repos.sessions.createEmailToken({ tokenHash, userId: user.id, purpose: "reset", expiresAt: isoIn(RESET_PASSWORD_TOKEN_TTL_MS) });
    await enqueueEmail(env, { kind: "password_reset", to: user.email, username: user.username, token, tokenHash, requestId: rpc.requestId });
  });
  defer(
    work.catch((err: unknown) =>
      log({ event: "unhandled_error", where: "auth.forgotPassword", error: describeError(err), request_id: rpc.requestId }, "error"),
    ),
  );
}

/**
 * Sets the new password and revokes every session of the user (a reset usually means someone
 * else may have had the old one). Answers the revoked ids so the gateway forgets them at once.
 */
export async function resetPassword(env: AuthEnv, rpc: RpcContext, input: ResetPasswordInput): Promise<RevokedSessions> {
  const body = parseInput(resetPasswordSchema, input);
  const tokenHash = await sha256Hex(body.token);
  const passwordHash = await hashPassword(body.new_password);
  return withRepos(env, async (repos) => {
    const spent = await repos.sessions.consumeEmailToken(tokenHash, "reset");
    if (!spent) {
      authMetric(env, "reset_password", "invalid_token");
      throw badToken();
    }
    await repos.users.setPasswordHash(spent.userId, passwordHash);
    // Following the emailed link proves control of the address.
    await repos.users.markEmailVerified(spent.userId);
    await repos.sessions.invalidateEmailTokens(spent.userId, "reset");
    const revoked = await repos.sessions.revokeAllForUser(spent.userId, "password_reset");
    log({ event: "auth_password_reset", user_id: spent.userId, sessions_revoked: revoked.length, request_id: rpc.requestId });
    authMetric(env, "reset_password", "success");
    return { revoked_session_ids: revoked };
  });
}
