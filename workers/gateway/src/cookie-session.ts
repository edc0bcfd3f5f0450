/**
 * Cookie mode for browsers: the refresh token lives in `__Secure-sc_refresh`, HttpOnly, Secure,
 * SameSite=Strict, Path=/v1/auth, 30 days, so script (and an XSS) can never read it, and a browser
 * sends it only to the auth routes of this site. Strict, not Lax: the cookie is only ever sent by
 * the app's own fetches, never by a top-level navigation, so Lax would add exposure for nothing.
 *
 * CSRF, for the two routes that act on the cookie alone (refresh, logout):
 * - the custom `X-Session-Mode: cookie` header (a cross-site form cannot set it; a cross-origin
 *   fetch that sets it needs a CORS preflight, which only allow-listed origins pass);
 * - `Origin` must be present and this gateway's own origin or on the CORS allow-list;
 * - `X-CSRF-Token` must equal the token bound into the cookie at the last rotation (double submit:
 *   the cookie's copy is HttpOnly, the app's copy came in the last answer's `csrf_token`).
 * Register and login in cookie mode check the Origin too (no signing a victim into an account).
 */
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { cookieSessionSchema, type CookieSession, type TokenPair } from "../../../lib/contracts/auth";
import { AppError } from "../../../lib/errors";
import { randomToken } from "../../../lib/ids";
import { isAllowedOrigin } from "./middleware/cors";
import type { GatewayBindings } from "./types";

export const REFRESH_COOKIE = "__Secure-sc_refresh";
const COOKIE_PATH = "/v1/auth";
const REFRESH_TOKEN_LIFETIME_S = 30 * 24 * 60 * 60;

type C = Context<GatewayBindings>;

export function wantsCookieMode(c: C): boolean {
  return c.req.header("x-session-mode") === "cookie";
}

/** Origin present and ours (or allow-listed): else 403. */
export function requireSameSiteOrigin(c: C): void {
  const origin = c.req.header("origin");
  const own = new URL(c.req.url).origin;
  if (origin === undefined || (origin !== own && !isAllowedOrigin(origin, c.env))) {
    throw new AppError("FORBIDDEN", "Cookie sessions only answer the app's own origin.");
  }
}

/** The cookie's refresh token once the CSRF checks pass; 403 when they fail, 401 without a cookie. */
export function cookieRefreshToken(c: C): string {
  requireSameSiteOrigin(c);
  const [refreshToken, bound] = (getCookie(c, REFRESH_COOKIE) ?? "").split(".");
  if (!refreshToken || !bound) throw new AppError("UNAUTHORIZED", "No session cookie: sign in again.");
  const sent = c.req.header("x-csrf-token") ?? "";
  if (!sameText(sent, bound)) throw new AppError("FORBIDDEN", "Missing or wrong X-CSRF-Token.");
  return refreshToken;
}

/** Sets the rotated cookie and answers the pair without its refresh token. */
export function cookieSession(c: C, pair: TokenPair): CookieSession {
  const csrf = randomToken(24);
  setCookie(c, REFRESH_COOKIE, `${pair.refresh_token}.${csrf}`, {
    httpOnly: true,
    secure: true,
    sameSite: "Strict",
    path: COOKIE_PATH,
    maxAge: REFRESH_TOKEN_LIFETIME_S,
  });
  const { refresh_token: _kept, ...rest } = pair;
  return cookieSessionSchema.parse({ ...rest, session_mode: "cookie", csrf_token: csrf });
}

export function clearSessionCookie(c: C): void {
  deleteCookie(c, REFRESH_COOKIE, { path: COOKIE_PATH, secure: true, httpOnly: true, sameSite: "Strict" });
}

/** Constant-time for equal lengths; the lengths themselves are not secret (fixed by construction). */
function sameText(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
