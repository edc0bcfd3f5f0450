import type { RouteConfig, z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import type { Context } from "hono";
import { AppError, type ErrorStatus } from "../../../../lib/errors";
export { errorResponses } from "../../../../lib/http/route-contract";
import type { AuthedContext } from "../../../../lib/rpc";
import { authenticate } from "../middleware/authenticate";
import { byUser, rateLimit } from "../middleware/rate-limit";
import type { GatewayBindings } from "../types";

/** A JSON request body for `createRoute`. */
export function jsonBody<T extends z.ZodType>(schema: T) {
  return { required: true, content: { "application/json": { schema } } } as const;
}

/** A JSON response for `createRoute`. */
export function jsonResponse<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { "application/json": { schema } } } as const;
}

/** Spread into `createRoute` for routes that need an access token: verification, then per-user limits. */
export const authed: { security: { bearer: string[] }[]; middleware: MiddlewareHandler<GatewayBindings>[] } = {
  security: [{ bearer: [] }],
  middleware: [authenticate(), rateLimit({ binding: (env) => env.RATE_LIMIT_USER, key: byUser, keyKind: "user", scope: "user" })],
};

/** The verified caller as an RPC context; only routes behind `authed` call this. */
export function caller(c: Context<GatewayBindings>): AuthedContext {
  const auth = c.get("auth");
  if (!auth) throw new AppError("UNAUTHORIZED", "A valid access token is required.");
  return auth;
}

/**
 * Statuses the gateway's own layers add to a route (createApp declares them in /openapi.json):
 * /v1 routes sit behind the per-IP limit and authenticated ones behind the per-user limit (429),
 * and each of those reaches a worker that answers 503 when its database or secrets are missing.
 */
export function gatewayLayerStatuses(route: RouteConfig): ErrorStatus[] {
  return route.path.startsWith("/v1/") || (route.security?.length ?? 0) > 0 ? [429, 503] : [];
}
