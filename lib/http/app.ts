import { OpenAPIHono, type RouteConfig } from "@hono/zod-openapi";
import type { Context, Env } from "hono";
import { HTTPException } from "hono/http-exception";
import { AppError, detailsFromZod, errorBody, statusOf, type AppErrorShape } from "../errors";
import { describeError, log } from "../log";
import { withRouteContract, type RouteContractOptions } from "./route-contract";

/** Per-request values every app built here can rely on. */
export type BaseVars = { requestId: string };

function requestIdOf(c: Context): string {
  const id: unknown = c.get("requestId");
  return typeof id === "string" ? id : "unknown";
}

/** Renders the API's error envelope, with Retry-After for rate limits. */
export function renderError(c: Context, shape: AppErrorShape): Response {
  const headers: Record<string, string> = {};
  if (shape.retryAfter !== undefined) headers["Retry-After"] = String(Math.max(1, Math.ceil(shape.retryAfter)));
  return c.json(errorBody(shape, requestIdOf(c)), statusOf(shape.code), headers);
}

/**
 * The one Hono app factory: zod failures become VALIDATION_ERROR with a detail per field,
 * malformed JSON BAD_REQUEST, unknown routes NOT_FOUND, and any other throw an INTERNAL_ERROR
 * that leaks nothing. Every route registered with `app.openapi` gets the shared input guards and
 * declares the statuses they and the app's layers can answer (route-contract.ts).
 */
export function createApp<E extends Env & { Variables: BaseVars }>(options: RouteContractOptions = {}): OpenAPIHono<E> {
  const app = new OpenAPIHono<E>({
    defaultHook: (result, c) => {
      if (!result.success) {
        return renderError(c, {
          code: "VALIDATION_ERROR",
          message: "The request is not valid.",
          details: detailsFromZod(result.error),
        });
      }
      return undefined;
    },
  });
  const register = app.openapi;
  // Same signature, same typing at every call site; only the route config is completed on the way.
  app.openapi = ((route: RouteConfig, handler: never, hook?: never) => register(withRouteContract(route, options), handler, hook)) as typeof register;
  app.notFound((c) => renderError(c, { code: "NOT_FOUND", message: "No such route." }));
  app.onError((err, c) => {
    if (err instanceof AppError) return renderError(c, err.toShape());
    if (err instanceof HTTPException) {
      if (err.status === 413) return renderError(c, { code: "PAYLOAD_TOO_LARGE", message: "The request body is too large." });
      if (err.status === 415) return renderError(c, { code: "UNSUPPORTED_MEDIA_TYPE", message: "This route takes a JSON body." });
      if (err.status === 400) return renderError(c, { code: "BAD_REQUEST", message: "The request body is not valid JSON." });
      if (err.status === 401) return renderError(c, { code: "UNAUTHORIZED", message: "Authentication required." });
    }
    log({ event: "unhandled_error", where: c.req.routePath, error: describeError(err), request_id: requestIdOf(c) }, "error");
    return renderError(c, { code: "INTERNAL_ERROR", message: "Something went wrong." });
  });
  return app;
}
