/**
 * Brute-force throttling of the credential endpoints, per client IP and per account, through the
 * auth worker's rate-limiting binding (limit and period in wrangler.toml). Runs before any
 * password hashing, so a blocked attempt costs almost nothing.
 */
import { AppError } from "../../../lib/errors";
import { log } from "../../../lib/log";
import type { RpcContext } from "../../../lib/rpc";
import { checkContext } from "./caller";
import { authMetric } from "./metrics";

/** The binding's period: what Retry-After tells the client. */
export const AUTH_LIMIT_PERIOD_SECONDS = 60;

export type ThrottleScope = "login" | "register" | "refresh" | "forgot_password" | "resend_verification";

export interface ThrottleKeys {
  /** A normalised account identifier (lower-cased email, user id); omitted when unknown. */
  account?: string;
}

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
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, "")).join(":")}::/64`;
}

/**
 * Counts one attempt for the caller's IP and for the account. Requests without a client IP (only
 * internal callers: Cloudflare always sets CF-Connecting-IP on public traffic) are counted per
 * account only.
 */
export async function throttle(env: AuthEnv, ctx: RpcContext, scope: ThrottleScope, keys: ThrottleKeys): Promise<void> {
  const { ip } = checkContext(ctx);
  const checks: { kind: "ip" | "account"; key: string }[] = [];
  if (ip) checks.push({ kind: "ip", key: `${scope}:ip:${ipBucket(ip)}` });
  if (keys.account) checks.push({ kind: "account", key: `${scope}:account:${keys.account}` });
  for (const check of checks) {
    const { success } = await env.RATE_LIMIT_AUTH.limit({ key: check.key });
    if (!success) {
      log({ event: "rate_limited", scope: `auth_${scope}`, key_kind: check.kind, request_id: ctx.requestId }, "warn");
      authMetric(env, scope, "rate_limited");
      throw new AppError("RATE_LIMITED", "Too many attempts; try again later.", undefined, AUTH_LIMIT_PERIOD_SECONDS);
    }
  }
}
