import type { MiddlewareHandler } from "hono";
import { AppError, type ErrorDetail } from "../errors";
import { isWellFormedUrlComponent, malformedQueryParams } from "../well-formed-text";

const MESSAGE = "malformed Unicode (not UTF-8 once percent-decoded)";

/**
 * Put in front of every route with path or query parameters (see route-contract.ts). The router
 * keeps a segment that does not percent-decode to UTF-8 (`%FF`, `%ED%A0%80`) as its raw text, so
 * without this a route would look up or store `%FF` literally; it is 400 VALIDATION_ERROR instead.
 */
export function wellFormedUrlGuard(): MiddlewareHandler {
  return async function wellFormedUrlMiddleware(c, next) {
    const url = new URL(c.req.url);
    // The route's pattern (`/v1/users/:user_id`) names each segment of the path it matched.
    const pattern = c.req.routePath.split("/");
    const details: ErrorDetail[] = url.pathname.split("/").flatMap((segment, index) => {
      if (isWellFormedUrlComponent(segment)) return [];
      const part = pattern[index] ?? "";
      return [{ field: part.startsWith(":") ? part.slice(1) : "path", message: MESSAGE }];
    });
    for (const name of malformedQueryParams(url.search)) details.push({ field: name, message: MESSAGE });
    if (details.length > 0) throw new AppError("VALIDATION_ERROR", "The request is not valid.", details);
    await next();
  };
}
