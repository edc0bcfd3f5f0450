/** Helpers for the auth tests only (the shared ones are in test/helpers/auth.ts). */
import { env, exports } from "cloudflare:workers";
import { importJWK, SignJWT, type JWK } from "jose";
import { BASE, uniqueIp } from "../helpers/auth";

export function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return exports.default.fetch(`${BASE}${path}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "cf-connecting-ip": uniqueIp(), ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

export function get(path: string, headers: Record<string, string> = {}): Promise<Response> {
  return exports.default.fetch(`${BASE}${path}`, { headers });
}

export function del(path: string, headers: Record<string, string> = {}): Promise<Response> {
  return exports.default.fetch(`${BASE}${path}`, { method: "DELETE", headers });
}

export function bearer(token: string): Record<string, string> {
  return { Authorization: `Bearer ${token}` };
}

/** The test deployment's signing key (the last of the ring), as a forger who stole it would use it. */
export function signingJwk(): JWK & { kid: string } {
  const ring = JSON.parse(env.JWT_SIGNING_KEYS) as (JWK & { kid: string })[];
  const last = ring[ring.length - 1];
  if (!last) throw new Error("no signing key in the test environment");
  return last;
}

export interface TokenOverrides {
  sub?: string;
  sid?: string;
  iss?: string;
  aud?: string;
  /** Seconds since the epoch. */
  iat?: number;
  exp?: number;
}

/** An ES256 token signed with the real key: valid unless an override makes it wrong. */
export async function signToken(overrides: TokenOverrides & { sub: string; sid: string }, key: JWK & { kid: string } = signingJwk()): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ sid: overrides.sid })
    .setProtectedHeader({ alg: "ES256", kid: key.kid, typ: "JWT" })
    .setSubject(overrides.sub)
    .setIssuer(overrides.iss ?? env.JWT_ISSUER)
    .setAudience(overrides.aud ?? env.JWT_AUDIENCE)
    .setIssuedAt(overrides.iat ?? now)
    .setExpirationTime(overrides.exp ?? now + 600)
    .sign(await importJWK(key, "ES256"));
}

export function base64urlJson(value: unknown): string {
  return btoa(JSON.stringify(value)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** The claims part of a JWT, decoded (no verification). */
export function jwtPayload(token: string): Record<string, unknown> {
  const part = token.split(".")[1] ?? "";
  return JSON.parse(atob(part.replace(/-/g, "+").replace(/_/g, "/"))) as Record<string, unknown>;
}

export async function errorCode(res: Response): Promise<string | undefined> {
  const body = await res.json<{ error?: { code?: string } }>();
  return body.error?.code;
}

export interface MailboxMessage {
  kind: string;
  to: string;
  subject: string;
  body: string;
  html: string;
}

/** Polls the dev mailbox until `count` messages of `kind` arrived (queue delivery is asynchronous); newest first. */
export async function mailFor(email: string, kind: string, count = 1): Promise<MailboxMessage[]> {
  for (let attempt = 0; attempt < 150; attempt++) {
    const res = await get(`/dev/mailbox?to=${encodeURIComponent(email)}`);
    if (res.status !== 200) throw new Error(`mailbox answered ${res.status}`);
    const { messages } = await res.json<{ messages: MailboxMessage[] }>();
    const matching = messages.filter((m) => m.kind === kind);
    if (matching.length >= count) return matching;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no ${kind} email for ${email}`);
}

export function codeOf(message: MailboxMessage | undefined): string {
  const code = /^Code: (\S+)$/m.exec(message?.body ?? "")?.[1];
  if (!code) throw new Error("no code in the email");
  return code;
}
