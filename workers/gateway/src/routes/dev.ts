import { createRoute } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { mailboxListSchema, mailboxQuerySchema, outboxListSchema, pushOutboxQuerySchema } from "../../../../lib/contracts/dev";
import { isDevelopment } from "../../../../lib/environment";
import { AppError } from "../../../../lib/errors";
import { unwrap } from "../../../../lib/result";
import type { GatewayApp, GatewayBindings } from "../types";
import { errorResponses, jsonResponse } from "./shared";

/**
 * `/dev/*` answers 404 NOT_FOUND in production before anything else runs (validation included),
 * so production cannot even tell that the routes exist. The services refuse as well.
 */
export function developmentOnly(): MiddlewareHandler<GatewayBindings> {
  return async function developmentOnlyGuard(c, next) {
    if (!isDevelopment(c.env)) throw new AppError("NOT_FOUND", "No such route.");
    await next();
  };
}

const tags = ["development"];
const devOnly = { middleware: [developmentOnly()] };

const routes = {
  mailbox: createRoute({
    method: "get",
    path: "/dev/mailbox",
    tags,
    summary: "Development only: emails the EMAIL queue consumer kept instead of sending (404 in production)",
    ...devOnly,
    request: { query: mailboxQuerySchema },
    responses: { 200: jsonResponse(mailboxListSchema, "Newest first"), ...errorResponses(400, 404, 429) },
  }),
  pushOutbox: createRoute({
    method: "get",
    path: "/dev/push-outbox",
    tags,
    summary: "Development only: pushes the PUSH queue consumer kept instead of sending to FCM (404 in production)",
    ...devOnly,
    request: { query: pushOutboxQuerySchema },
    responses: { 200: jsonResponse(outboxListSchema, "Newest first"), ...errorResponses(400, 404, 429) },
  }),
};

export function registerDevRoutes(app: GatewayApp): void {
  app.openapi(routes.mailbox, async (c) => c.json(unwrap(await c.env.AUTH.devMailbox(c.get("rpc"), c.req.valid("query"))), 200));
  app.openapi(routes.pushOutbox, async (c) => c.json(unwrap(await c.env.CHAT.devPushOutbox(c.get("rpc"), c.req.valid("query"))), 200));
}
