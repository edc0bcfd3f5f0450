import type { RouteConfig, z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import type { Context } from "hono";
import { AppError, type ErrorStatus } from "../../../../lib/errors";
export { errorResponses } from "../../../../lib/http/route-contract";
import type { AuthedContext } from "../../../../lib/rpc";
import { authenticate } from "../middleware/authenticate";
import { limitIgnoredCredentialPerIp, limitPerUser } from "../middleware/rate-limit";
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
  middleware: [authenticate(), limitPerUser()],
};

/** The verified caller as an RPC context; only routes behind `authed` call this. */
export function caller(c: Context<GatewayBindings>): AuthedContext {
  const auth = c.get("auth");
  if (!auth) throw new AppError("UNAUTHORIZED", "A valid access token is required.");
  return auth;
}

/**
 * Statuses the gateway's own layers add to a route (createApp declares them in /openapi.json):
 * /v1 routes without a credential sit behind the per-IP limit and authenticated ones behind the
 * per-user limit (a failed credential counts per IP) (429),
 * and each of those reaches a worker that answers 503 when its database or secrets are missing.
 */
export function gatewayLayerStatuses(route: RouteConfig): ErrorStatus[] {
  return route.path.startsWith("/v1/") || verifiesCredential(route) ? [429, 503] : [];
}

/** Routes that take a credential (bearer, or a socket ticket) are counted per user; the rest per IP (rate-limit.ts). */
const verifiesCredential = (route: RouteConfig): boolean => (route.security?.length ?? 0) > 0;

/** Route-level layers of the gateway (createApp runs them before each route's own middleware). */
export function gatewayLayerMiddleware(route: RouteConfig): MiddlewareHandler<GatewayBindings>[] {
  return route.path.startsWith("/v1/") && !verifiesCredential(route) ? [limitIgnoredCredentialPerIp()] : [];
}
