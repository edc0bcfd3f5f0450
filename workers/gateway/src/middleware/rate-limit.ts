import type { Context, MiddlewareHandler } from "hono";
import { AppError } from "../../../../lib/errors";
import { log } from "../../../../lib/log";
import type { GatewayBindings } from "../types";

export interface RateLimitOptions {
  /** Which Workers rate-limiting binding counts this scope. */
  binding: (env: GatewayEnv) => RateLimit;
  /** The key to count by, or null to skip (for example, no user yet). */
  key: (c: Context<GatewayBindings>) => string | null;
  keyKind: "ip" | "user";
  scope: string;
  /** The binding's period: what Retry-After tells the client. */
  periodSeconds?: number;
}

/** Counts one request under `key`; over the limit throws 429 RATE_LIMITED with Retry-After. */
async function countRequest(options: RateLimitOptions, c: Context<GatewayBindings>, key: string): Promise<void> {
  const { success } = await options.binding(c.env).limit({ key: `${options.scope}:${key}` });
  if (success) return;
  log({ event: "rate_limited", scope: options.scope, key_kind: options.keyKind, request_id: c.get("requestId") }, "warn");
  throw new AppError("RATE_LIMITED", "Too many requests; slow down.", undefined, options.periodSeconds ?? 60);
}

/** Counts requests per key through the rate-limiting binding; over the limit is 429 with Retry-After. */
export function rateLimit(options: RateLimitOptions): MiddlewareHandler<GatewayBindings> {
  return async function rateLimitMiddleware(c, next) {
    const key = options.key(c);
    if (key !== null) await countRequest(options, c, key);
    await next();
  };
}

export const byIp = (c: Context<GatewayBindings>): string => c.req.header("cf-connecting-ip") ?? "local";
export const byUser = (c: Context<GatewayBindings>): string | null => c.get("auth")?.userId ?? null;

/**
 * Whether the request presents a credential (a bearer header, or a socket ticket). Such requests
 * are counted per user once the credential is verified and per IP only when it fails, so an office
 * or a school behind one address does not share one budget, while forged tokens still do.
 */
function presentsCredential(c: Context<GatewayBindings>): boolean {
  return c.req.header("authorization") !== undefined || c.req.query("ticket") !== undefined;
}

const perIp: RateLimitOptions = { binding: (env) => env.RATE_LIMIT_IP, key: byIp, keyKind: "ip", scope: "ip" };
const perUser: RateLimitOptions = { binding: (env) => env.RATE_LIMIT_USER, key: byUser, keyKind: "user", scope: "user" };

/** The app-wide per-IP limit, for requests with no credential (sign-in, registration, refresh, health). */
export const limitAnonymousPerIp = (): MiddlewareHandler<GatewayBindings> => rateLimit({ ...perIp, key: (c) => (presentsCredential(c) ? null : byIp(c)) });

/**
 * The same per-IP limit on a route that never verifies a credential, for a request that sent one
 * anyway: so an `Authorization` header cannot buy a way around the app-wide limit above.
 */
export const limitIgnoredCredentialPerIp = (): MiddlewareHandler<GatewayBindings> =>
  rateLimit({ ...perIp, key: (c) => (presentsCredential(c) ? byIp(c) : null) });

/** The per-user limit of authenticated routes (after `authenticate`). */
export const limitPerUser = (): MiddlewareHandler<GatewayBindings> => rateLimit(perUser);

/**
 * A credential that failed verification counts against its IP (429 once over), before the 401.
 * A request with none was counted already by the app-wide limit.
 */
export async function countFailedCredential(c: Context<GatewayBindings>): Promise<void> {
  if (presentsCredential(c)) await countRequest(perIp, c, byIp(c));
}

/** A verified socket upgrade counts against its user, as an authenticated route does. */
export const countUserRequest = (c: Context<GatewayBindings>, userId: string): Promise<void> => countRequest(perUser, c, userId);
