import type { z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import type { Context } from "hono";
import { AppError, errorEnvelopeSchema, type ErrorStatus } from "../../../../lib/errors";
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

const ERROR_DESCRIPTIONS: Record<ErrorStatus, string> = {
  400: "VALIDATION_ERROR (details name each bad field) or BAD_REQUEST (malformed JSON)",
  401: "UNAUTHORIZED or INVALID_CREDENTIALS",
  403: "FORBIDDEN or EMAIL_NOT_VERIFIED",
  404: "NOT_FOUND (also for resources the caller may not see)",
  409: "CONFLICT",
  413: "PAYLOAD_TOO_LARGE or QUOTA_EXCEEDED",
  429: "RATE_LIMITED, with Retry-After",
  500: "INTERNAL_ERROR",
  503: "SERVICE_UNAVAILABLE",
};

/** The error envelope under each listed status, for `createRoute`'s responses. */
export function errorResponses<S extends ErrorStatus>(...statuses: S[]) {
  const out = {} as Record<S, { description: string; content: { "application/json": { schema: typeof errorEnvelopeSchema } } }>;
  for (const status of statuses) {
    out[status] = { description: ERROR_DESCRIPTIONS[status], content: { "application/json": { schema: errorEnvelopeSchema } } };
  }
  return out;
}

/** Spread into `createRoute` for routes that need an access token: verification, then per-user limits. */
export const authed: { security: { bearer: string[] }[]; middleware: MiddlewareHandler<GatewayBindings>[] } = {
  security: [{ bearer: [] }],
  middleware: [
    authenticate(),
    rateLimit({ binding: (env) => env.RATE_LIMIT_USER, key: byUser, keyKind: "user", scope: "user" }),
  ],
};

/** The verified caller as an RPC context; only routes behind `authed` call this. */
export function caller(c: Context<GatewayBindings>): AuthedContext {
  const auth = c.get("auth");
  if (!auth) throw new AppError("UNAUTHORIZED", "A valid access token is required.");
  return auth;
}
