import type { Context, MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import { isDevelopment } from "../../../../lib/environment";
import type { GatewayBindings } from "../types";

const LOCALHOST_ORIGIN = /^https?:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d{1,5})?$/;

/** Is this origin on the configured allow-list (plus any localhost origin in development)? */
export function isAllowedOrigin(origin: string, env: Pick<GatewayEnv, "CORS_ORIGINS" | "ENVIRONMENT">): boolean {
  const allowList = env.CORS_ORIGINS.split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (allowList.includes(origin)) return true;
  return isDevelopment(env) && LOCALHOST_ORIGIN.test(origin);
}

/** CORS from the allow-list: a disallowed origin gets no Access-Control-Allow-Origin, so browsers block it. */
export function corsFromAllowList(): MiddlewareHandler<GatewayBindings> {
  return cors({
    origin: (origin, c: Context<GatewayBindings>) => (origin && isAllowedOrigin(origin, c.env) ? origin : null),
    allowMethods: ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
    // If-None-Match: the presigned upload PUT signs it (create-only), and cross-origin PUTs preflight it.
    // X-Session-Mode / X-CSRF-Token: cookie-mode sessions (../cookie-session.ts).
    allowHeaders: ["Authorization", "Content-Type", "X-Request-Id", "If-None-Match", "X-Session-Mode", "X-CSRF-Token"],
    exposeHeaders: ["X-Request-Id", "Retry-After"],
    maxAge: 600,
    // Allow-listed origins of the same site may send the SameSite=Strict refresh cookie (credentials:
    // "include"); every other origin gets no Access-Control-Allow-Origin, so the browser blocks it.
    credentials: true,
  });
}
