/**
 * Brute-force throttling of the credential endpoints, per client IP and per account, through the
 * auth worker's rate-limiting binding (limit and period in wrangler.toml). Runs before any
 * password hashing, so a blocked attempt costs almost nothing.
 */
import { AppError } from "../../../lib/errors";
import { log } from "../../../lib/log";
import type { RpcContext } from "../../../lib/rpc";

/** The binding's period: what Retry-After tells the client. */
export const AUTH_LIMIT_PERIOD_SECONDS = 60;

export type ThrottleScope = "login" | "register" | "refresh" | "forgot_password" | "resend_verification";

export interface ThrottleKeys {
  /** A normalised account identifier (lower-cased email, user id); omitted when unknown. */
  account?: string;
}

/**
 * Counts one attempt for the caller's IP and for the account. Requests without a client IP (only
 * internal callers: Cloudflare always sets CF-Connecting-IP on public traffic) are counted per
 * account only.
 */
export async function throttle(env: AuthEnv, ctx: RpcContext, scope: ThrottleScope, keys: ThrottleKeys): Promise<void> {
  const checks: { kind: "ip" | "account"; key: string }[] = [];
  if (ctx.ip) checks.push({ kind: "ip", key: `${scope}:ip:${ctx.ip}` });
  if (keys.account) checks.push({ kind: "account", key: `${scope}:account:${keys.account}` });
  for (const check of checks) {
    const { success } = await env.RATE_LIMIT_AUTH.limit({ key: check.key });
    if (!success) {
      log({ event: "rate_limited", scope: `auth_${scope}`, key_kind: check.kind, request_id: ctx.requestId }, "warn");
      throw new AppError("RATE_LIMITED", "Too many attempts; try again later.", undefined, AUTH_LIMIT_PERIOD_SECONDS);
    }
  }
}
