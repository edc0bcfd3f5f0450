/**
 * Changing the password or the email of a signed-in account. Both re-check the current password
 * (the gateway throttles attempts per IP and per user, like login). A new email takes effect only
 * when the token mailed to it comes back; then the old address is told, and every token mailed to
 * the old address before stops working.
 */
import {
  changeEmailSchema,
  changePasswordSchema,
  confirmEmailChangeSchema,
  type ChangeEmailInput,
  type ChangePasswordInput,
  type ConfirmEmailChangeInput,
  type PasswordChanged,
} from "../../../lib/contracts/credentials";
import type { UserEnvelope } from "../../../lib/contracts/auth-rpc";
import type { User } from "../../../lib/db/rows";
import { AppError } from "../../../lib/errors";
import { randomToken, sha256Hex } from "../../../lib/ids";
import { log } from "../../../lib/log";
import { parseInput, verifiedCaller, type RpcContext } from "../../../lib/rpc";
import { enqueueEmail, enqueueEmailChangedNotice, requireEmailDelivery } from "./email-jobs";
import { isoIn, VERIFY_EMAIL_TOKEN_TTL_MS } from "./lifetimes";
import { authMetric, type AuthAction } from "./metrics";
import { hashPassword, verifyPassword } from "./password";
import { withRepos, type AuthRepos } from "./repos";
import { signedOutDevices } from "./signed-out-devices";
import { userView } from "./views";

/** The caller's account if `password` is its password; INVALID_CREDENTIALS otherwise. */
async function reauthenticate(env: AuthEnv, repos: AuthRepos, rpc: RpcContext, password: string, action: AuthAction): Promise<User> {
  const { userId } = verifiedCaller(rpc);
  const user = await repos.users.findById(userId);
  if (!user) throw new AppError("UNAUTHORIZED", "A signed-in caller is required.");
  if (!(await verifyPassword(password, user.passwordHash)).valid) {
    log({ event: "auth_failure", reason: `${action}_wrong_password`, user_id: user.id, request_id: rpc.requestId }, "warn");
    authMetric(env, action, "invalid_credentials");
    throw new AppError("INVALID_CREDENTIALS", "The current password is incorrect.");
  }
  return user;
}

/** Every OTHER session ends (whoever else had the old password is signed out); this one stays. */
export async function changePassword(env: AuthEnv, rpc: RpcContext, input: ChangePasswordInput): Promise<PasswordChanged> {
  const body = parseInput(changePasswordSchema, input);
  const caller = verifiedCaller(rpc);
  return withRepos(env, async (repos) => {
    const user = await reauthenticate(env, repos, rpc, body.current_password, "change_password");
    await repos.users.setPasswordHash(user.id, await hashPassword(body.new_password));
    await repos.sessions.invalidateEmailTokens(user.id, "reset");
    // The devices of the other sessions, read before they end: those left with no session are signed out.
    const others = (await repos.sessions.listActive(user.id)).filter((s) => s.id !== caller.sessionId).map((s) => s.deviceId);
    const revoked = await repos.sessions.revokeAllForUser(user.id, "password_changed", undefined, caller.sessionId);
    log({ event: "auth_password_changed", user_id: user.id, sessions_revoked: revoked.length, request_id: rpc.requestId });
    authMetric(env, "change_password", "success");
    return { revoked_session_ids: revoked, signed_out_device_ids: await signedOutDevices(repos, others) };
  });
}

/** Mails a confirmation token to the new address; the account keeps its address until it comes back. */
export async function requestEmailChange(env: AuthEnv, rpc: RpcContext, input: ChangeEmailInput): Promise<void> {
  const body = parseInput(changeEmailSchema, input);
  requireEmailDelivery(env);
  await withRepos(env, async (repos) => {
    const user = await reauthenticate(env, repos, rpc, body.password, "change_email");
    const holder = await repos.users.findByEmail(body.new_email);
    if (holder) {
      authMetric(env, "change_email", "conflict");
      const message = holder.id === user.id ? "That is already the account's email." : "That email is already taken.";
      throw new AppError("CONFLICT", message, [{ field: "new_email", message: "already taken" }]);
    }
    const token = randomToken();
    const tokenHash = await sha256Hex(token);
    await repos.accountControls.requestEmailChange({ tokenHash, userId: user.id, newEmail: body.new_email, expiresAt: isoIn(VERIFY_EMAIL_TOKEN_TTL_MS) });
    await enqueueEmail(env, { kind: "email_change", to: body.new_email, username: user.username, token, tokenHash, requestId: rpc.requestId });
    log({ event: "auth_email_change", user_id: user.id, outcome: "requested", request_id: rpc.requestId });
    authMetric(env, "change_email", "success");
  });
}

/**
 * The token works without a session (it is the proof: the link may open on another device). Once
 * the change is made, the old address gets a notice.
 */
export async function confirmEmailChange(env: AuthEnv, rpc: RpcContext, input: ConfirmEmailChangeInput): Promise<UserEnvelope> {
  const { token } = parseInput(confirmEmailChangeSchema, input);
  const tokenHash = await sha256Hex(token);
  return withRepos(env, async (repos) => {
    const result = await repos.accountControls.confirmEmailChange(tokenHash);
    switch (result.status) {
      case "invalid":
        authMetric(env, "confirm_email_change", "invalid_token");
        throw new AppError("VALIDATION_ERROR", "The token is invalid, expired or already used.", [
          { field: "token", message: "invalid, expired or already used" },
        ]);
      case "taken":
        authMetric(env, "confirm_email_change", "conflict");
        throw new AppError("CONFLICT", "That email was taken by another account meanwhile; ask for the change again with another address.");
      case "changed": {
        const { user, previousEmail } = result;
        await enqueueEmailChangedNotice(env, {
          to: previousEmail,
          username: user.username,
          newEmail: user.email,
          changeTokenHash: tokenHash,
          requestId: rpc.requestId,
        });
        log({ event: "auth_email_change", user_id: user.id, outcome: "changed", request_id: rpc.requestId });
        authMetric(env, "confirm_email_change", "success");
        return { user: userView(user) };
      }
    }
  });
}
