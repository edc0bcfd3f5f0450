import type { Context, MiddlewareHandler } from "hono";
import type { JSONWebKeySet } from "jose";
import { AppError } from "../../../../lib/errors";
import { tokenKid, verifyAccessToken, type AccessClaims, type SessionStatus } from "../../../../lib/jwt";
import { log } from "../../../../lib/log";
import { unwrap } from "../../../../lib/result";
import type { GatewayBindings } from "../types";
import { countFailedCredential } from "./rate-limit";

/** Per-isolate caches: the JWKS (refetched on an unknown kid) and each session's revocation state. */
const JWKS_TTL_MS = 5 * 60 * 1000;
/**
 * An unknown kid refetches the JWKS (a key was just rotated in), but at most this often: otherwise
 * every token with a made-up kid would cost an RPC to the auth worker.
 */
const JWKS_FORCED_REFRESH_MIN_MS = 5 * 1000;
/** How stale a "session is active" answer may be: the "within 60 s everywhere" of revocation. */
export const SESSION_CACHE_MS = 30 * 1000;
let jwksCache: { jwks: JSONWebKeySet; fetchedAt: number } | undefined;
const sessionCache = new Map<string, SessionStatus & { checkedAt: number }>();

/** Called when a session is revoked through this isolate, so it stops working here at once. */
export function forgetSession(sessionId: string): void {
  sessionCache.set(sessionId, { active: false, userId: null, checkedAt: Date.now() });
}

async function loadJwks(c: Context<GatewayBindings>, force: boolean): Promise<JSONWebKeySet> {
  const age = jwksCache ? Date.now() - jwksCache.fetchedAt : Infinity;
  if (jwksCache && age < (force ? JWKS_FORCED_REFRESH_MIN_MS : JWKS_TTL_MS)) return jwksCache.jwks;
  const jwks = unwrap(await c.env.AUTH.jwks(c.get("rpc")));
  jwksCache = { jwks, fetchedAt: Date.now() };
  return jwks;
}

/** The session is live and belongs to the token's subject (a sid of someone else's session is refused). */
async function sessionActive(c: Context<GatewayBindings>, sessionId: string, userId: string): Promise<boolean> {
  const cached = sessionCache.get(sessionId);
  if (cached && Date.now() - cached.checkedAt < SESSION_CACHE_MS) return cached.active && cached.userId === userId;
  const status = unwrap(await c.env.AUTH.sessionStatus(c.get("rpc"), sessionId));
  if (sessionCache.size > 10_000) sessionCache.clear();
  sessionCache.set(sessionId, { ...status, checkedAt: Date.now() });
  return status.active && status.userId === userId;
}

/** Verifies a bearer access token (signature, alg, iss, aud, expiry, session); null if bad. */
export async function verifyBearer(c: Context<GatewayBindings>, token: string): Promise<AccessClaims | null> {
  const options = { issuer: c.env.JWT_ISSUER, audience: c.env.JWT_AUDIENCE };
  let jwks = await loadJwks(c, false);
  const kid = tokenKid(token);
  if (kid && !jwks.keys.some((k) => k.kid === kid)) jwks = await loadJwks(c, true);
  const claims = await verifyAccessToken(token, jwks, options);
  if (!claims) return null;
  return (await sessionActive(c, claims.sid, claims.sub)) ? claims : null;
}

export function bearerToken(header: string | undefined): string | null {
  const match = /^Bearer ([A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]*\.[A-Za-z0-9\-_]*)$/.exec(header ?? "");
  return match?.[1] ?? null;
}

/** Requires a valid access token; sets `c.var.auth` and the caller on the RPC context. */
export function authenticate(): MiddlewareHandler<GatewayBindings> {
  return async function authenticateMiddleware(c, next) {
    const token = bearerToken(c.req.header("authorization"));
    const claims = token ? await verifyBearer(c, token) : null;
    if (!claims) {
      log({ event: "auth_failure", reason: token ? "invalid_token" : "missing_token", request_id: c.get("requestId") }, "warn");
      await countFailedCredential(c);
      throw new AppError("UNAUTHORIZED", "A valid access token is required.");
    }
    // `did` is absent only on tokens minted before sessions had devices (gone within 15 minutes).
    const rpc = { ...c.get("rpc"), userId: claims.sub, sessionId: claims.sid, ...(claims.did !== undefined ? { deviceId: claims.did } : {}) };
    c.set("rpc", rpc);
    c.set("auth", rpc);
    await next();
  };
}
