/**
 * Sessions and the credentials bound to them: access tokens (ES256 JWTs), refresh tokens (opaque,
 * stored as SHA-256, rotated on every use with reuse detection) and single-use WebSocket tickets.
 */
import { refreshSchema, sessionIdSchema, type ClientMeta, type DeviceSignIn, type TokenPair } from "../../../lib/contracts/auth";
import type { User } from "../../../lib/db/rows";
import { AppError } from "../../../lib/errors";
import { randomToken, sha256Hex } from "../../../lib/ids";
import { log } from "../../../lib/log";
import type { SessionStatus } from "../../../lib/jwt";
import type { RefreshInput, RevokedSession, SessionId, SessionList } from "../../../lib/contracts/auth-rpc";
import { parseInput, verifiedCaller, type RpcContext } from "../../../lib/rpc";
import { keyRing, signAccessToken } from "./keys";
import { authMetric } from "./metrics";
import { ACCESS_TOKEN_TTL_SECONDS, isoIn, REFRESH_TOKEN_TTL_MS, SESSION_MAX_AGE_MS } from "./lifetimes";
import { withRepos, type AuthRepos } from "./repos";
import { deviceOfSession, signInDevice } from "./session-devices";
import { signedOutDevices } from "./signed-out-devices";
import { sessionView, userView } from "./views";

async function accessToken(env: AuthEnv, userId: string, sessionId: string, deviceId: string): Promise<string> {
  const ring = await keyRing(env.JWT_SIGNING_KEYS);
  return signAccessToken(ring, { userId, sessionId, deviceId, issuer: env.JWT_ISSUER, audience: env.JWT_AUDIENCE });
}

function pair(user: User, access: string, refresh: string, deviceId: string): TokenPair {
  return {
    user: userView(user),
    access_token: access,
    refresh_token: refresh,
    token_type: "Bearer",
    expires_in: ACCESS_TOKEN_TTL_SECONDS,
    device_id: deviceId,
  };
}

/** Opens a session for a user who just proved who they are (register, login). */
export async function openSession(
  env: AuthEnv,
  repos: AuthRepos,
  rpc: RpcContext,
  user: User,
  meta: ClientMeta,
  signIn: DeviceSignIn,
  via: "register" | "login",
): Promise<TokenPair> {
  // Signing first: a misconfigured key ring fails before any session row is written.
  const ring = await keyRing(env.JWT_SIGNING_KEYS);
  const refresh = randomToken();
  const device = await signInDevice(repos, user.id, signIn);
  const session = await repos.sessions.create({
    userId: user.id,
    deviceId: device.id,
    expiresAt: isoIn(SESSION_MAX_AGE_MS),
    userAgent: meta.user_agent ?? null,
    ip: rpc.ip ?? null,
    refreshTokenHash: await sha256Hex(refresh),
    refreshExpiresAt: isoIn(REFRESH_TOKEN_TTL_MS),
  });
  const access = await signAccessToken(ring, {
    userId: user.id,
    sessionId: session.id,
    deviceId: device.id,
    issuer: env.JWT_ISSUER,
    audience: env.JWT_AUDIENCE,
  });
  log({ event: "auth_session_created", user_id: user.id, session_id: session.id, via, request_id: rpc.requestId });
  return pair(user, access, refresh, device.id);
}

/**
 * Rotates a refresh token. The repository's conditional update lets exactly one concurrent caller
 * win; every other presentation of a spent token is treated as theft and revokes the session, so
 * the pair the winner got stops working too (clients must serialise their refreshes).
 */
export async function refresh(env: AuthEnv, rpc: RpcContext, input: RefreshInput): Promise<TokenPair> {
  const { refresh_token } = parseInput(refreshSchema, input);
  const tokenHash = await sha256Hex(refresh_token);
  return withRepos(env, async (repos) => {
    const next = randomToken();
    const result = await repos.sessions.rotateRefreshToken({
      tokenHash,
      newTokenHash: await sha256Hex(next),
      newExpiresAt: isoIn(REFRESH_TOKEN_TTL_MS),
    });
    if (result.status === "reused") {
      const revoked = await repos.sessions.revoke(result.sessionId, "refresh_token_reuse");
      authMetric(env, "refresh", "reuse_detected");
      if (revoked)
        log(
          { event: "session_revoked", user_id: result.userId, session_id: result.sessionId, reason: "refresh_token_reuse", request_id: rpc.requestId },
          "warn",
        );
      throw new AppError("UNAUTHORIZED", "The refresh token is not valid.");
    }
    if (result.status === "invalid") {
      authMetric(env, "refresh", "invalid_token");
      throw new AppError("UNAUTHORIZED", "The refresh token is not valid.");
    }
    const user = await repos.users.findById(result.session.userId);
    if (!user) throw new AppError("UNAUTHORIZED", "The refresh token is not valid.");
    authMetric(env, "refresh", "success");
    const deviceId = await deviceOfSession(repos, result.session);
    return pair(user, await accessToken(env, user.id, result.session.id, deviceId), next, deviceId);
  });
}

/** Revokes the caller's own session; its refresh token and access tokens stop working, and its device is signed out. */
export async function logout(env: AuthEnv, rpc: RpcContext): Promise<RevokedSession> {
  const caller = verifiedCaller(rpc);
  if (!caller.sessionId) throw new AppError("UNAUTHORIZED", "No session on this request.");
  const sessionId = caller.sessionId;
  const signedOut = await withRepos(env, async (repos) => {
    await repos.sessions.revoke(sessionId, "logout");
    return signedOutDevices(repos, [caller.deviceId ?? null]);
  });
  log({ event: "session_revoked", user_id: caller.userId, session_id: sessionId, reason: "logout", request_id: rpc.requestId });
  authMetric(env, "logout", "success");
  return { session_id: sessionId, signed_out_device_ids: signedOut };
}

export async function listSessions(env: AuthEnv, rpc: RpcContext): Promise<SessionList> {
  const caller = verifiedCaller(rpc);
  const rows = await withRepos(env, (repos) => repos.sessions.listActive(caller.userId));
  return { sessions: rows.map((s) => sessionView(s, caller.sessionId)) };
}

/** Another user's session, or an unknown id, is NOT_FOUND; revoking one's own twice is harmless. */
export async function revokeSession(env: AuthEnv, rpc: RpcContext, sessionIdInput: SessionId): Promise<RevokedSession> {
  const caller = verifiedCaller(rpc);
  const sessionId = parseInput(sessionIdSchema, sessionIdInput);
  const signedOut = await withRepos(env, async (repos) => {
    const session = await repos.sessions.get(sessionId);
    if (!session || session.userId !== caller.userId) throw new AppError("NOT_FOUND", "No such session.");
    if (await repos.sessions.revoke(sessionId, "user_revoked")) {
      log({ event: "session_revoked", user_id: caller.userId, session_id: sessionId, reason: "user_revoked", request_id: rpc.requestId });
      authMetric(env, "revoke_session", "success");
    }
    return signedOutDevices(repos, [session.deviceId]);
  });
  return { session_id: sessionId, signed_out_device_ids: signedOut };
}

/**
 * For the gateway's token check: a session is active while neither revoked nor expired. The owner
 * comes back with it, so the gateway accepts a token only when its `sub` is the session's user (a
 * token naming someone else's live session is refused).
 */
export async function sessionStatus(env: AuthEnv, sessionIdInput: SessionId): Promise<SessionStatus> {
  const parsed = sessionIdSchema.safeParse(sessionIdInput);
  if (!parsed.success) return { active: false, userId: null };
  const session = await withRepos(env, (repos) => repos.sessions.get(parsed.data));
  const active = session !== null && session.revokedAt === null && session.expiresAt > new Date().toISOString();
  return { active, userId: session?.userId ?? null };
}
