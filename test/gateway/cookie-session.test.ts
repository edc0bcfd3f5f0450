/**
 * Cookie-mode sessions for browsers (workers/gateway/src/cookie-session.ts), through the real
 * gateway and auth worker: the refresh token only ever in an HttpOnly cookie, rotated by a bodyless
 * refresh, and every forged cross-site variant (no header, no or wrong Origin, no or wrong CSRF
 * token, another user's token) refused.
 */
import { exports } from "cloudflare:workers";
import { describe, it } from "vitest";
import { BASE, createUser, DEFAULT_PASSWORD } from "../helpers/auth";
import { clearedBy, cookieLogin, cookieOf, OWN_ORIGIN, post, refresh, setCookies, signedIn, type CookieAnswer } from "./cookie-client";

const ALLOWED_ORIGIN = "https://app.example.com"; // CORS_ORIGINS of the test config
const EVIL_ORIGIN = "https://evil.example";

const errorCode = async (res: Response) => (await res.json<{ error: { code: string } }>()).error.code;

describe("cookie-mode sessions", () => {
  it("signs in with the refresh token in an HttpOnly, Secure, SameSite=Strict cookie on /v1/auth, never in the body", async ({ expect }) => {
    const res = await cookieLogin(await createUser());
    expect(res.status).toBe(200);
    const body = await res.json<CookieAnswer>();
    expect(body).not.toHaveProperty("refresh_token");
    expect(body.session_mode).toBe("cookie");
    expect(body.csrf_token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const cookie = cookieOf(res);
    expect(cookie?.attributes).toMatch(/HttpOnly/);
    expect(cookie?.attributes).toMatch(/Secure/);
    expect(cookie?.attributes).toMatch(/SameSite=Strict/);
    expect(cookie?.attributes).toMatch(/Path=\/v1\/auth/);
    expect(cookie?.attributes).toMatch(/Max-Age=2592000/);
    const me = await exports.default.fetch(`${BASE}/v1/users/me`, { headers: { authorization: `Bearer ${body.access_token}` } });
    expect(me.status).toBe(200);
  });

  it("register in cookie mode works the same way; the bearer flow is unchanged (refresh_token in the body, no cookie)", async ({ expect }) => {
    const email = `cookie-${crypto.randomUUID()}@example.com`;
    const username = `c_${crypto.randomUUID().slice(0, 8)}`;
    const res = await post("/v1/auth/register", { "x-session-mode": "cookie", origin: OWN_ORIGIN }, { email, username, password: DEFAULT_PASSWORD });
    expect(res.status).toBe(201);
    expect(await res.json()).not.toHaveProperty("refresh_token");
    expect(cookieOf(res)).toBeDefined();
    const user = await createUser();
    const bearer = await post("/v1/auth/login", {}, { email: user.user.email, password: DEFAULT_PASSWORD });
    expect(await bearer.json()).toHaveProperty("refresh_token");
    expect(cookieOf(bearer)).toBeUndefined();
  });

  it("a bodyless refresh rotates the cookie and the CSRF token; replaying the old cookie revokes the session", async ({ expect }) => {
    const { answer, cookie } = await signedIn();
    const res = await refresh(cookie, answer.csrf_token);
    expect(res.status).toBe(200);
    const next = await res.json<CookieAnswer>();
    const rotated = cookieOf(res);
    expect(next).not.toHaveProperty("refresh_token");
    expect(rotated?.value).toBeDefined();
    expect(rotated?.pair).not.toBe(cookie);
    expect(next.csrf_token).not.toBe(answer.csrf_token);
    // The rotated cookie has a name of its own, and the answer deletes the one it replaces.
    expect(rotated?.name).not.toBe(cookie.split("=")[0]);
    expect(clearedBy(res).map((c) => c.name)).toEqual([cookie.split("=")[0]]);
    // The old CSRF token is bound to the old cookie: it does not go with the new one.
    expect((await refresh(rotated?.pair ?? "", answer.csrf_token)).status).toBe(403);
    // Reuse detection, as in bearer mode: the spent cookie revokes the whole session and is cleared (that cookie only).
    const replay = await refresh(cookie, answer.csrf_token);
    expect(replay.status).toBe(401);
    expect(clearedBy(replay).map((c) => c.name)).toEqual([cookie.split("=")[0]]);
    expect(cookieOf(replay)).toBeUndefined();
    expect((await refresh(rotated?.pair ?? "", next.csrf_token)).status).toBe(401);
    const me = await exports.default.fetch(`${BASE}/v1/users/me`, { headers: { authorization: `Bearer ${next.access_token}` } });
    expect(me.status).toBe(401);
  });

  it("refuses forged cross-site refreshes: no Origin, a foreign Origin, no or a wrong CSRF token, another user's token", async ({ expect }) => {
    const { answer, cookie } = await signedIn();
    const other = await signedIn();
    const forged: [string, Promise<Response>][] = [
      ["no origin", refresh(cookie, answer.csrf_token, null)],
      ["foreign origin", refresh(cookie, answer.csrf_token, EVIL_ORIGIN)],
      ["null origin", refresh(cookie, answer.csrf_token, "null")],
      ["no csrf token", refresh(cookie, undefined)],
      ["wrong csrf token", refresh(cookie, "A".repeat(32))],
      ["another user's csrf token", refresh(cookie, other.answer.csrf_token)],
      ["empty cookie half", refresh(`${cookie.split(".")[0] ?? ""}.`, "")],
    ];
    for (const [label, pending] of forged) {
      const res = await pending;
      expect(res.status, label).toBeGreaterThanOrEqual(401);
      expect(res.status, label).toBeLessThanOrEqual(403);
      expect(setCookies(res), label).toEqual([]);
    }
    // Without the custom header the cookie is not even read: a bodyless bearer refresh is a 400.
    const noHeader = await refresh(cookie, answer.csrf_token, OWN_ORIGIN, false);
    expect(noHeader.status).toBe(400);
    expect(await errorCode(noHeader)).toBe("VALIDATION_ERROR");
    // No cookie at all: 401.
    expect((await post("/v1/auth/refresh", { "x-session-mode": "cookie", origin: OWN_ORIGIN, "x-csrf-token": answer.csrf_token })).status).toBe(401);
    // None of that spent the session: the genuine request still works, from an allow-listed origin too.
    const genuine = await refresh(cookie, answer.csrf_token, ALLOWED_ORIGIN);
    expect(genuine.status).toBe(200);
  });

  it("refuses cookie-mode sign-in from a foreign or missing Origin (no login CSRF)", async ({ expect }) => {
    expect((await cookieLogin(await createUser(), EVIL_ORIGIN)).status).toBe(403);
    const user = await createUser();
    const noOrigin = await post("/v1/auth/login", { "x-session-mode": "cookie" }, { email: user.user.email, password: DEFAULT_PASSWORD });
    expect(noOrigin.status).toBe(403);
    expect(await errorCode(noOrigin)).toBe("FORBIDDEN");
    const badMode = await post("/v1/auth/login", { "x-session-mode": "both" }, { email: user.user.email, password: DEFAULT_PASSWORD });
    expect(badMode.status).toBe(400);
  });

  it("logout in cookie mode clears the cookie and ends the session; without the CSRF token it is refused", async ({ expect }) => {
    const { answer, cookie } = await signedIn();
    const headers = { authorization: `Bearer ${answer.access_token}`, cookie, "x-session-mode": "cookie", origin: OWN_ORIGIN };
    const forged = await post("/v1/auth/logout", { ...headers, "x-csrf-token": "wrong" });
    expect(forged.status).toBe(403);
    const res = await post("/v1/auth/logout", { ...headers, "x-csrf-token": answer.csrf_token });
    expect(res.status).toBe(204);
    expect(clearedBy(res).map((c) => c.name)).toEqual([cookie.split("=")[0]]);
    expect((await refresh(cookie, answer.csrf_token)).status).toBe(401);
  });

  it("lets allow-listed origins preflight the cookie headers with credentials, and no one else", async ({ expect }) => {
    const preflight = (origin: string) =>
      exports.default.fetch(`${BASE}/v1/auth/refresh`, {
        method: "OPTIONS",
        headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "x-session-mode,x-csrf-token" },
      });
    const allowed = await preflight(ALLOWED_ORIGIN);
    expect(allowed.headers.get("access-control-allow-origin")).toBe(ALLOWED_ORIGIN);
    expect(allowed.headers.get("access-control-allow-credentials")).toBe("true");
    expect(allowed.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("x-csrf-token");
    const evil = await preflight(EVIL_ORIGIN);
    expect(evil.headers.get("access-control-allow-origin")).toBeNull();
  });
});
