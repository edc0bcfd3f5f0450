import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { DEV_S3_PATH_PREFIX } from "../../../../lib/contracts/storage";
import { AppError } from "../../../../lib/errors";
import type { GatewayBindings } from "../types";

const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** Bodies over MAX_BODY_BYTES (default 1 MiB) are refused with 413 before anything parses them. */
export function limitBody(): MiddlewareHandler<GatewayBindings> {
  let cached: { max: number; handler: MiddlewareHandler } | undefined;
  return async function limitBodyMiddleware(c, next) {
    // Dev S3 uploads are raw file bodies bounded by their signed Content-Length (storage worker).
    if (c.req.path.startsWith(DEV_S3_PATH_PREFIX)) return next();
    const configured = Number.parseInt(c.env.MAX_BODY_BYTES, 10);
    const max = Number.isFinite(configured) && configured > 0 ? configured : DEFAULT_MAX_BODY_BYTES;
    if (!cached || cached.max !== max) {
      cached = {
        max,
        handler: bodyLimit({
          maxSize: max,
          onError: () => {
            throw new AppError("PAYLOAD_TOO_LARGE", `The request body is larger than ${max} bytes.`);
          },
        }),
      };
    }
    return cached.handler(c, next);
  };
}
