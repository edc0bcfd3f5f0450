/**
 * A browser's side of cookie-mode sessions for the gateway tests: its requests to the auth routes,
 * and its cookie jar, which applies each answer's Set-Cookie headers in the order answers arrive.
 */
import { exports } from "cloudflare:workers";
import { BASE, createUser, DEFAULT_PASSWORD, uniqueIp, type TestUser } from "../helpers/auth";

export const OWN_ORIGIN = new URL(BASE).origin;
const COOKIE_PREFIX = "__Secure-sc_refresh";

export interface CookieAnswer {
  access_token: string;
  csrf_token: string;
  session_mode: string;
  refresh_token?: string;
  user: { id: string };
}

export interface SetCookie {
  name: string;
  value: string;
  /** `name=value`, as a Cookie header sends it. */
  pair: string;
  attributes: string;
}

/** The answer's Set-Cookie headers for session cookies, in order. */
export function setCookies(res: Response): SetCookie[] {
  return res.headers
    .getSetCookie()
    .filter((c) => c.startsWith(COOKIE_PREFIX))
    .map((header) => {
      const [pair = "", ...attributes] = header.split(";");
      const at = pair.indexOf("=");
      return { name: pair.slice(0, at), value: pair.slice(at + 1), pair, attributes: attributes.join(";").trim() };
    });
}

const deletes = (cookie: SetCookie) => /Max-Age=0/i.test(cookie.attributes);

/** The session cookie the answer sets (not one it deletes). */
export function cookieOf(res: Response): SetCookie | undefined {
  return setCookies(res).find((c) => !deletes(c));
}

/** The session cookies the answer deletes. */
export function clearedBy(res: Response): SetCookie[] {
  return setCookies(res).filter(deletes);
}

/** One browser's cookies for this site's /v1/auth. */
export class CookieJar {
  private readonly cookies = new Map<string, string>();

  /** Applies an answer's Set-Cookie headers as a browser does: a deletion removes whatever value that name holds. */
  apply(res: Response): void {
    for (const cookie of setCookies(res)) {
      if (deletes(cookie)) this.cookies.delete(cookie.name);
      else this.cookies.set(cookie.name, cookie.value);
    }
  }

  get size(): number {
    return this.cookies.size;
  }

  /** The Cookie header the browser sends with a request to /v1/auth. */
  get header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  }
}

export function post(path: string, headers: Record<string, string>, body?: unknown): Promise<Response> {
  return exports.default.fetch(`${BASE}${path}`, {
    method: "POST",
    headers: { "cf-connecting-ip": uniqueIp(), ...(body !== undefined ? { "content-type": "application/json" } : {}), ...headers },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
}

/** A cookie-mode refresh as the app sends it; `cookies` is the Cookie header (`origin: null` sends none). */
export const refresh = (cookies: string, csrf: string | undefined, origin: string | null = OWN_ORIGIN, mode = true) =>
  post("/v1/auth/refresh", {
    ...(cookies ? { cookie: cookies } : {}),
    ...(mode ? { "x-session-mode": "cookie" } : {}),
    ...(csrf !== undefined ? { "x-csrf-token": csrf } : {}),
    ...(origin !== null ? { origin } : {}),
  });

/** A cookie-mode sign-in from a browser whose jar holds `cookies`. */
export function cookieLogin(user: TestUser, origin = OWN_ORIGIN, cookies = ""): Promise<Response> {
  return post(
    "/v1/auth/login",
    { "x-session-mode": "cookie", origin, ...(cookies ? { cookie: cookies } : {}) },
    { email: user.user.email, password: DEFAULT_PASSWORD },
  );
}

/** A new user signed in in cookie mode: the answer and its cookie as a Cookie header pair. */
export async function signedIn(): Promise<{ user: TestUser; answer: CookieAnswer; cookie: string }> {
  const user = await createUser();
  const res = await cookieLogin(user);
  const answer = await res.json<CookieAnswer>();
  const cookie = cookieOf(res);
  if (!cookie) throw new Error("no cookie");
  return { user, answer, cookie: cookie.pair };
}
