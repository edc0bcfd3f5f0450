import { createRoute } from "@hono/zod-openapi";
import { deviceParamsSchema } from "../../../../lib/contracts/auth-rpc";
import { DEVICE_STREAM_LIMITS, mailboxAckSchema, mailboxListSchema, mailboxPostedSchema, postMailboxSchema } from "../../../../lib/contracts/device-stream";
import { unwrap } from "../../../../lib/result";
import { rateLimit } from "../middleware/rate-limit";
import type { GatewayApp } from "../types";
import { authed, caller, errorResponses, jsonBody, jsonResponse } from "./shared";

/**
 * Besides the per-user limit, a sender gets RATE_LIMIT_KEYS posts per minute per target device,
 * as for key-bundle fetches: one account cannot flood another's device (whose mailbox would fill).
 */
const limitPostsPerDevice = rateLimit({
  binding: (env) => env.RATE_LIMIT_KEYS,
  key: (c) => {
    const sender = c.get("auth")?.userId;
    return sender ? `${sender}:${c.req.param("device_id") ?? ""}` : null;
  },
  keyKind: "user",
  scope: "device-mailbox",
});

/** Routes of "the caller's device" need a session bound to one. */
export const noDevice = "UNAUTHORIZED also for a session without a device (sign in again)";

const postRoute = createRoute({
  method: "post",
  path: "/v1/devices/{device_id}/mailbox",
  tags: ["devices"],
  summary: "Post an opaque payload (base64url) to a device's mailbox: one of the caller's, or of a user who shares a conversation with the caller",
  description:
    "The device receives it on its event stream (`mailbox` frame) now if connected, else on its next connect, again on every " +
    "connect until it acknowledges it. 404 when the device is unknown or out of reach (the answer never tells which). " +
    `429 also when the mailbox holds ${DEVICE_STREAM_LIMITS.maxMailboxEntries} unacknowledged entries. Limited per (sender, device).`,
  ...authed,
  middleware: [...authed.middleware, limitPostsPerDevice],
  request: { params: deviceParamsSchema, body: jsonBody(postMailboxSchema) },
  responses: {
    201: jsonResponse(mailboxPostedSchema, "Stored for the device"),
    ...errorResponses(400, 401, 404, 413, 429),
  },
});

const listRoute = createRoute({
  method: "get",
  path: "/v1/devices/me/mailbox",
  tags: ["devices"],
  summary: "The oldest unacknowledged mailbox entries of the caller's device (for clients without the event stream)",
  description: `At most ${DEVICE_STREAM_LIMITS.maxAckIds} entries, oldest first (one ack clears a page); has_more when more are held. ${noDevice}.`,
  ...authed,
  responses: { 200: jsonResponse(mailboxListSchema, "Unacknowledged entries"), ...errorResponses(401, 429) },
});

const ackRoute = createRoute({
  method: "post",
  path: "/v1/devices/me/mailbox/ack",
  tags: ["devices"],
  summary: "Delete processed entries from the caller's device mailbox (unknown ids are ignored)",
  description: noDevice,
  ...authed,
  request: { body: jsonBody(mailboxAckSchema) },
  responses: { 204: { description: "Deleted" }, ...errorResponses(400, 401, 429) },
});

export function registerDeviceMailboxRoutes(app: GatewayApp): void {
  app.openapi(postRoute, async (c) => {
    const input = { deviceId: c.req.valid("param").device_id, payload: c.req.valid("json").payload };
    return c.json(unwrap(await c.env.CHAT.postDeviceMail(caller(c), input)), 201);
  });
  app.openapi(listRoute, async (c) => c.json(unwrap(await c.env.CHAT.listDeviceMail(caller(c))), 200));
  app.openapi(ackRoute, async (c) => {
    unwrap(await c.env.CHAT.ackDeviceMail(caller(c), c.req.valid("json")));
    return c.body(null, 204);
  });
}
