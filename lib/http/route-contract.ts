import type { RouteConfig } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { errorEnvelopeSchema, type ErrorStatus } from "../errors";
import { jsonBodyGuard } from "./json-body";
import { wellFormedUrlGuard } from "./well-formed-url";

const ERROR_DESCRIPTIONS: Record<ErrorStatus, string> = {
  400: "VALIDATION_ERROR (details name each bad field, malformed Unicode included) or BAD_REQUEST (malformed JSON or UTF-8)",
  401: "UNAUTHORIZED or INVALID_CREDENTIALS",
  403: "FORBIDDEN or EMAIL_NOT_VERIFIED",
  404: "NOT_FOUND (also for resources the caller may not see)",
  409: "CONFLICT",
  413: "PAYLOAD_TOO_LARGE or QUOTA_EXCEEDED",
  415: "UNSUPPORTED_MEDIA_TYPE: the body must be sent as application/json (UTF-8)",
  429: "RATE_LIMITED, with Retry-After",
  500: "INTERNAL_ERROR",
  503: "SERVICE_UNAVAILABLE",
};

type ErrorResponse = { description: string; content: { "application/json": { schema: typeof errorEnvelopeSchema } } };

/** The error envelope under each listed status, for `createRoute`'s responses. */
export function errorResponses<S extends ErrorStatus>(...statuses: S[]): Record<S, ErrorResponse> {
  const out = {} as Record<S, ErrorResponse>;
  for (const status of statuses) {
    out[status] = { description: ERROR_DESCRIPTIONS[status], content: { "application/json": { schema: errorEnvelopeSchema } } };
  }
  return out;
}

export interface RouteContractOptions {
  /** Statuses the app's own layers (rate limits, dependencies) can answer on this route. */
  layerStatuses?: (route: RouteConfig) => ErrorStatus[];
  /** Middleware the app runs before a route's own, chosen by the route's shape (e.g. a limit for routes without a credential). */
  layerMiddleware?: (route: RouteConfig) => MiddlewareHandler[];
}

function hasJsonBody(route: RouteConfig): boolean {
  const content = route.request?.body?.content ?? {};
  return Object.keys(content).some((mediaType) => /^application\/([a-z.-]+\+)?json$/i.test(mediaType));
}

/** What any route of this shape can answer, whatever its handler does. */
function shapeStatuses(route: RouteConfig): ErrorStatus[] {
  const request = route.request;
  const statuses: ErrorStatus[] = [500];
  if (request && (request.params || request.query || request.headers || request.cookies || request.body)) statuses.push(400);
  if ((route.security?.length ?? 0) > 0) statuses.push(401);
  if (request?.body) statuses.push(413, 415);
  return statuses;
}

/**
 * Applied to every route the app registers (see createApp), so no route can forget it:
 * - the input guards: malformed Unicode in the path or query (400), a JSON body sent as anything
 *   else (415), not UTF-8 / not JSON (400) or with a lone surrogate (400);
 * - the OpenAPI truth: each status those guards and the app's layers can answer is declared with
 *   the error envelope, next to the route's own (which win, for their more specific descriptions).
 */
export function withRouteContract<R extends RouteConfig>(route: R, options: RouteContractOptions): R {
  const statuses = [...new Set([...shapeStatuses(route), ...(options.layerStatuses?.(route) ?? [])])];
  const own = route.middleware === undefined ? [] : Array.isArray(route.middleware) ? route.middleware : [route.middleware];
  const guards = [
    ...(route.request?.params || route.request?.query ? [wellFormedUrlGuard()] : []),
    ...(hasJsonBody(route) ? [jsonBodyGuard({ optional: route.request?.body?.required !== true })] : []),
  ];
  // Integer-like keys keep ascending order, so the document lists statuses in order.
  const layers = options.layerMiddleware?.(route) ?? [];
  return { ...route, responses: { ...errorResponses(...statuses), ...route.responses }, middleware: [...layers, ...own, ...guards] };
}
