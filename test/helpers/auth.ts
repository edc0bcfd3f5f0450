/**
 * Shared test helper (owned by the auth area): registers real users through the real gateway.
 * Every user gets a unique email, username and client IP, so tests never collide on uniqueness
 * constraints or on the per-IP auth throttle, whatever order the suite runs in.
 */
import { exports } from "cloudflare:workers";
import type { TokenPair } from "../../lib/contracts/auth";
import type { UserView } from "../../lib/contracts/users";

export const BASE = "http://sc.test";

let counter = 0;
function unique(): string {
  counter += 1;
  return `${Date.now().toString(36)}${counter.toString(36)}${Math.random().toString(36).slice(2, 8)}`;
}

export function uniqueEmail(prefix = "user"): string {
  return `${prefix}-${unique()}@example.com`;
}

/** 3–32 characters of [a-z0-9_]. */
export function uniqueUsername(prefix = "u"): string {
  return `${prefix}_${unique()}`.slice(0, 32);
}

/** A fresh documentation-range IPv6 address per call, for the `cf-connecting-ip` header. */
export function uniqueIp(): string {
  const hex = () => Math.floor(Math.random() * 0xffff).toString(16);
  return `2001:db8:${hex()}:${hex()}:${hex()}:${hex()}:${hex()}:${hex()}`;
}

export interface RegisterOverrides {
  email?: string;
  username?: string;
  password?: string;
  display_name?: string;
}

export interface TestUser {
  user: UserView;
  accessToken: string;
  refreshToken: string;
  /** Authorization + JSON content type, ready for `fetch`. */
  headers: { Authorization: string; "Content-Type": string };
  /** The password it was registered with. */
  password: string;
}

export const DEFAULT_PASSWORD = "correct horse battery staple";

export function authHeaders(accessToken: string): TestUser["headers"] {
  return { Authorization: `Bearer ${accessToken}`, "Content-Type": "application/json" };
}

/** POSTs a sign-in (register or login) from a fresh client IP; throws (failing the test) unless `status`. */
async function signIn(path: string, body: Record<string, unknown>, status: number, password: string): Promise<TestUser> {
  const res = await exports.default.fetch(`${BASE}${path}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "cf-connecting-ip": uniqueIp() },
    body: JSON.stringify(body),
  });
  if (res.status !== status) throw new Error(`${path} answered ${res.status}: ${await res.text()}`);
  const pair = await res.json<TokenPair>();
  return { user: pair.user, accessToken: pair.access_token, refreshToken: pair.refresh_token, headers: authHeaders(pair.access_token), password };
}

/** Registers a unique user via `POST /v1/auth/register`; throws (failing the test) unless 201. */
export async function createUser(overrides: RegisterOverrides = {}): Promise<TestUser> {
  const password = overrides.password ?? DEFAULT_PASSWORD;
  const body = {
    email: overrides.email ?? uniqueEmail(),
    username: overrides.username ?? uniqueUsername(),
    password,
    ...(overrides.display_name !== undefined ? { display_name: overrides.display_name } : {}),
  };
  return signIn("/v1/auth/register", body, 201, password);
}

/**
 * The same user signed in again (`POST /v1/auth/login`): a new session on a new device (issue 18: one
 * session, one device), or on `deviceId` when given (a device of theirs signing in anew keeps its id).
 */
export async function signInAgain(user: TestUser, deviceId?: string): Promise<TestUser> {
  const body = { email: user.user.email, password: user.password, ...(deviceId === undefined ? {} : { device_id: deviceId }) };
  return signIn("/v1/auth/login", body, 200, user.password);
}
