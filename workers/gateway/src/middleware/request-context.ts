import type { MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import { log } from "../../../../lib/log";
import { pickRequestId } from "../../../../lib/request-id";
import { REQUEST_ID_HEADER } from "../../../../lib/rpc";
import type { GatewayBindings } from "../types";

export interface RequestContextOptions {
  /** Where a request's route pattern is unknown (404s), what to log instead of the raw path. */
  unmatchedRoute?: string;
}

/**
 * Request id (echoed when sane), the RPC context, one JSON log line and one Analytics Engine
 * data point per request. Runs first so every other layer, errors included, sees the id.
 */
export function requestContext(options: RequestContextOptions = {}): MiddlewareHandler<GatewayBindings> {
  const unmatched = options.unmatchedRoute ?? "(unmatched)";
  return async function requestContextMiddleware(c, next) {
    const started = performance.now();
    const requestId = pickRequestId(c.req.header(REQUEST_ID_HEADER));
    c.set("requestId", requestId);
    const ip = c.req.header("cf-connecting-ip");
    c.set("rpc", { requestId, origin: new URL(c.req.url).origin, ...(ip ? { ip } : {}) });
    await next();
    c.res.headers.set("X-Request-Id", requestId);
    const route = c.get("routePattern") ?? (c.res.status === 404 ? unmatched : routePath(c));
    const duration = performance.now() - started;
    const userId = c.get("auth")?.userId;
    log({
      event: "http_request",
      request_id: requestId,
      method: c.req.method,
      route,
      status: c.res.status,
      duration_ms: Math.round(duration * 100) / 100,
      ...(userId ? { user_id: userId } : {}),
    });
    c.env.METRICS?.writeDataPoint({
      blobs: [c.req.method, route, String(c.res.status)],
      doubles: [duration, c.res.status],
      indexes: [route.slice(0, 96)],
    });
  };
}
