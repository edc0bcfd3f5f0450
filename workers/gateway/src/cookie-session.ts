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
 *
 * Every rotation names its cookie anew (`__Secure-sc_refresh-<random>`) and deletes the one it
 * replaced. A browser applies Set-Cookie in the order answers arrive, and deleting a cookie deletes
 * whatever value that name holds; with one name, the 401 of a request that presented an old cookie
 * (a second tab's refresh that lost the race, one in flight across a sign-out and sign-in) would
 * delete the cookie another answer had just set. Named per rotation, a 401 deletes only the cookie
 * it was presented. The request's cookie is the one whose bound half is the X-CSRF-Token.
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

/** A cookie this gateway set: the legacy single name, or one named for its rotation. */
const isRefreshCookie = (name: string) => name === REFRESH_COOKIE || name.startsWith(`${REFRESH_COOKIE}-`);

/** The presented session cookie: its name (to rotate or delete exactly it) and its refresh token. */
export interface PresentedCookie {
  name: string;
  refreshToken: string;
}

/**
 * The cookie whose bound CSRF token the request's X-CSRF-Token matches, once the Origin check passes;
 * 403 when none matches, 401 without a usable cookie.
 */
export function presentedCookie(c: C): PresentedCookie {
  requireSameSiteOrigin(c);
  const sent = c.req.header("x-csrf-token") ?? "";
  let usable = false;
  for (const [name, value] of Object.entries(getCookie(c))) {
    if (!isRefreshCookie(name)) continue;
    const [refreshToken, bound] = value.split(".");
    if (!refreshToken || !bound) continue;
    usable = true;
    if (sameText(sent, bound)) return { name, refreshToken };
  }
  if (!usable) throw new AppError("UNAUTHORIZED", "No session cookie: sign in again.");
  throw new AppError("FORBIDDEN", "Missing or wrong X-CSRF-Token.");
}

/**
 * Sets the pair's cookie under a new name and answers the pair without its refresh token. `replaces`:
 * the cookies it takes the place of (a rotation's presented one; at sign-in every one the browser sent).
 */
export function cookieSession(c: C, pair: TokenPair, replaces: readonly string[]): CookieSession {
  const csrf = randomToken(24);
  for (const name of replaces) clearCookie(c, name);
  setCookie(c, `${REFRESH_COOKIE}-${randomToken(6)}`, `${pair.refresh_token}.${csrf}`, {
    httpOnly: true,
    secure: true,
    sameSite: "Strict",
    path: COOKIE_PATH,
    maxAge: REFRESH_TOKEN_LIFETIME_S,
  });
  const { refresh_token: _kept, ...rest } = pair;
  return cookieSessionSchema.parse({ ...rest, session_mode: "cookie", csrf_token: csrf });
}

/** Every session cookie the request carries (a sign-in replaces them all). */
export function sentCookieNames(c: C): string[] {
  return Object.keys(getCookie(c)).filter(isRefreshCookie);
}

/** Deletes this one cookie; a cookie under another name (set by a newer answer) stays. */
export function clearCookie(c: C, name: string): void {
  deleteCookie(c, name, { path: COOKIE_PATH, secure: true, httpOnly: true, sameSite: "Strict" });
}

/** Constant-time for equal lengths; the lengths themselves are not secret (fixed by construction). */
function sameText(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
