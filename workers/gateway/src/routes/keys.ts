import { createRoute } from "@hono/zod-openapi";
import {
  keyBundleParamsSchema,
  keyBundleQuerySchema,
  keyBundleSchema,
  keyUploadSchema,
  prekeyCountQuerySchema,
  prekeyCountSchema,
} from "../../../../lib/contracts/keys";
import { unwrap } from "../../../../lib/result";
import { rateLimit } from "../middleware/rate-limit";
import { authed, caller, errorResponses, jsonBody, jsonResponse } from "./shared";
import type { GatewayApp } from "../types";

/**
 * Each bundle fetch burns one of the target's one-time prekeys, so besides the per-user limit a
 * requester gets RATE_LIMIT_KEYS fetches per minute per target user: one account cannot drain
 * another's prekeys quickly (and when they do run out, senders fall back to the signed prekey).
 */
const limitBundleFetches = rateLimit({
  binding: (env) => env.RATE_LIMIT_KEYS,
  key: (c) => {
    const requester = c.get("auth")?.userId;
    return requester ? `${requester}:${c.req.param("user_id") ?? ""}` : null;
  },
  keyKind: "user",
  scope: "keys-fetch",
});

const uploadRoute = createRoute({
  method: "put",
  path: "/v1/keys",
  tags: ["keys"],
  summary: "Publish a device's identity key, signed prekey and one-time prekeys",
  description:
    "Keys are per (caller, device_id). Re-uploading with the same identity key replaces the signed prekey and adds " +
    "one-time prekeys (a key_id already held with identical material is ignored; with different material the upload " +
    "is refused with 409). A different identity key resets the device: its old one-time prekeys are dropped.",
  ...authed,
  request: { body: jsonBody(keyUploadSchema) },
  responses: {
    204: { description: "Stored" },
    ...errorResponses(400, 401, 409, 413, 429),
  },
});

const countRoute = createRoute({
  method: "get",
  path: "/v1/keys/count",
  tags: ["keys"],
  summary: "How many one-time prekeys one of the caller's devices has left",
  ...authed,
  request: { query: prekeyCountQuerySchema },
  responses: {
    200: jsonResponse(prekeyCountSchema, "Unclaimed one-time prekeys; prekeys_low below 10"),
    ...errorResponses(400, 401, 404, 429),
  },
});

const bundleRoute = createRoute({
  method: "get",
  path: "/v1/keys/{user_id}",
  tags: ["keys"],
  summary: "Fetch a user's key bundles, claiming one one-time prekey per device",
  description:
    "Each call claims (removes) one one-time prekey per device, atomically; one_time_prekey is null when a device " +
    "has none left. 404 when the user has published no keys (whether or not the user exists). Limited per " +
    "(requester, target user).",
  ...authed,
  middleware: [...authed.middleware, limitBundleFetches],
  request: { params: keyBundleParamsSchema, query: keyBundleQuerySchema },
  responses: {
    200: jsonResponse(keyBundleSchema, "One bundle per device"),
    ...errorResponses(400, 401, 404, 429),
  },
});

export function registerKeysRoutes(app: GatewayApp): void {
  app.openapi(uploadRoute, async (c) => {
    unwrap(await c.env.CHAT.uploadKeys(caller(c), c.req.valid("json")));
    return c.body(null, 204);
  });

  app.openapi(countRoute, async (c) => {
    const count = unwrap(await c.env.CHAT.countPrekeys(caller(c), c.req.valid("query").device_id));
    return c.json(count, 200);
  });

  app.openapi(bundleRoute, async (c) => {
    const { user_id } = c.req.valid("param");
    const { device_id } = c.req.valid("query");
    const bundle = unwrap(await c.env.CHAT.fetchKeyBundle(caller(c), device_id === undefined ? { user_id } : { user_id, device_id }));
    return c.json(bundle, 200);
  });
}
