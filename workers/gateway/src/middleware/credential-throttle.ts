/**
 * Brute-force throttling of the credential endpoints, per client IP and per account, before the
 * auth worker is even called (so a blocked attempt costs no password hashing). It lives at the
 * gateway, like every rate limit: the gateway is the worker that holds the rate-limiting bindings
 * (wrangler 4.86's multi-worker `wrangler dev` gives them to the first worker only, so the same
 * code path runs in development, tests and production).
 */
import type { Context } from "hono";
import { AppError } from "../../../../lib/errors";
import { sha256Hex } from "../../../../lib/ids";
import { log } from "../../../../lib/log";
import type { GatewayBindings } from "../types";

/** The binding's period: what Retry-After tells the client. */
export const AUTH_LIMIT_PERIOD_SECONDS = 60;

export type ThrottleScope =
  "login" | "register" | "refresh" | "forgot_password" | "resend_verification" | "change_password" | "change_email" | "confirm_email_change" | "delete_account";

/**
 * The per-IP key: an IPv4 address as is, an IPv6 address by its /64 (one subscriber usually holds a
 * whole /64, so counting single addresses would let an attacker rotate through 2^64 of them).
 */
export function ipBucket(ip: string): string {
  if (!ip.includes(":")) return ip;
  // IPv4-mapped IPv6 (::ffff:203.0.113.7) is an IPv4 client.
  const mapped = /:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(ip)?.[1];
  if (mapped) return mapped;
  const [head = "", tail] = ip.toLowerCase().split("::");
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const missing = tail === undefined ? 0 : 8 - left.length - right.length;
  const groups = [...left, ...Array.from({ length: Math.max(0, missing) }, () => "0"), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ""))
    .join(":")}::/64`;
}

/** A normalised account key: the lower-cased email, or a user id, or a refresh token's hash prefix. */
export function emailAccount(email: string): string {
  return email.trim().toLowerCase();
}

export async function refreshTokenAccount(refreshToken: string): Promise<string> {
  // Per presented credential: a refresh token is the account's only credential on that route.
  return (await sha256Hex(refreshToken)).slice(0, 32);
}

/**
 * Counts one attempt for the caller's IP and for the account; over either limit is 429 with
 * Retry-After. Requests without CF-Connecting-IP (never public traffic) count per account only.
 */
export async function throttleAttempt(c: Context<GatewayBindings>, scope: ThrottleScope, account: string | undefined): Promise<void> {
  const ip = c.req.header("cf-connecting-ip");
  const checks: { kind: "ip" | "account"; key: string }[] = [];
  if (ip) checks.push({ kind: "ip", key: `${scope}:ip:${ipBucket(ip)}` });
  if (account) checks.push({ kind: "account", key: `${scope}:account:${account}` });
  for (const check of checks) {
    const { success } = await c.env.RATE_LIMIT_AUTH.limit({ key: check.key });
    if (!success) {
      log({ event: "rate_limited", scope: `auth_${scope}`, key_kind: check.kind, request_id: c.get("requestId") }, "warn");
      throw new AppError("RATE_LIMITED", "Too many attempts; try again later.", undefined, AUTH_LIMIT_PERIOD_SECONDS);
    }
  }
}
