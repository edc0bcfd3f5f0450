import { DEV_S3_PATH_PREFIX } from "../../../../lib/contracts/storage";
import { isDevelopment } from "../../../../lib/environment";
import { AppError } from "../../../../lib/errors";
import type { GatewayApp } from "../types";

/**
 * Development only: the S3-compatible endpoint that outside production the presigned storage URLs
 * point at. It speaks S3 (raw bodies, XML errors), not this API's JSON, so it is deliberately not
 * an OpenAPI route; the storage worker verifies the signature and serves the local R2 binding.
 * Exempt from the JSON body limit (see middleware/body-limit.ts): the signed Content-Length bounds it.
 */
export function registerDevS3Routes(app: GatewayApp): void {
  app.on(["PUT", "GET", "HEAD"], `${DEV_S3_PATH_PREFIX}*`, async (c) => {
    if (!isDevelopment(c.env)) throw new AppError("NOT_FOUND", "No such route.");
    const response = await c.env.STORAGE.fetch(c.req.raw);
    // A fetched response's headers are immutable; the gateway's layers still add theirs.
    return new Response(response.body, response);
  });
}
