import { createRoute } from "@hono/zod-openapi";
import { vapidPublicKeySchema } from "../../../../lib/contracts/web-push";
import { unwrap } from "../../../../lib/result";
import type { GatewayApp } from "../types";
import { errorResponses, jsonResponse } from "./shared";

const vapidPublicKeyRoute = createRoute({
  method: "get",
  path: "/v1/push/vapid-public-key",
  tags: ["push"],
  summary: "The Web Push application server key (VAPID, RFC 8292) browsers subscribe with",
  description:
    'Pass it as applicationServerKey to PushManager.subscribe, then register the subscription as a device: POST /v1/users/me/devices {platform: "web", push_token: JSON.stringify(subscription)}. 503 in production while VAPID_PRIVATE_KEY is not set.',
  responses: { 200: jsonResponse(vapidPublicKeySchema, "The public key (base64url, uncompressed P-256 point)"), ...errorResponses(429, 503) },
});

export function registerPushRoutes(app: GatewayApp): void {
  app.openapi(vapidPublicKeyRoute, async (c) => {
    const key = unwrap(await c.env.CHAT.vapidPublicKey(c.get("rpc")));
    // Public and the same for every caller; a rotated key reaches browsers within the hour.
    c.header("cache-control", "public, max-age=3600");
    return c.json(key, 200);
  });
}
