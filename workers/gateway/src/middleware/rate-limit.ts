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

/** Counts requests per key through the rate-limiting binding; over the limit is 429 with Retry-After. */
export function rateLimit(options: RateLimitOptions): MiddlewareHandler<GatewayBindings> {
  const period = options.periodSeconds ?? 60;
  return async function rateLimitMiddleware(c, next) {
    const key = options.key(c);
    if (key !== null) {
      const { success } = await options.binding(c.env).limit({ key: `${options.scope}:${key}` });
      if (!success) {
        log({ event: "rate_limited", scope: options.scope, key_kind: options.keyKind, request_id: c.get("requestId") }, "warn");
        throw new AppError("RATE_LIMITED", "Too many requests; slow down.", undefined, period);
      }
    }
    await next();
  };
}

export const byIp = (c: Context<GatewayBindings>): string => c.req.header("cf-connecting-ip") ?? "local";
export const byUser = (c: Context<GatewayBindings>): string | null => c.get("auth")?.userId ?? null;
