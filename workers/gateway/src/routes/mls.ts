import { createRoute } from "@hono/zod-openapi";
import { conversationParamsSchema } from "../../../../lib/contracts/chat-rpc";
import {
  base64urlChars,
  keyPackageClaimResultSchema,
  keyPackageClaimSchema,
  keyPackageCountSchema,
  keyPackageUploadSchema,
  MLS_LIMITS,
  mlsDeviceListSchema,
  mlsGroupEnvelopeSchema,
} from "../../../../lib/contracts/mls";
import { unwrap } from "../../../../lib/result";
import { rateLimit } from "../middleware/rate-limit";
import type { GatewayApp } from "../types";
import { noDevice } from "./device-mailbox";
import { authed, caller, errorResponses, jsonBody, jsonResponse } from "./shared";

/**
 * Each claim takes one KeyPackage of every device of every user named, so besides the per-user
 * limit a requester gets RATE_LIMIT_KEYS claims per minute: one account cannot drain its contacts'
 * packages quickly (and when they run out, the last-resort package keeps adds working).
 */
const limitClaims = rateLimit({
  binding: (env) => env.RATE_LIMIT_KEYS,
  key: (c) => c.get("auth")?.userId ?? null,
  keyKind: "user",
  scope: "mls-claim",
});

const uploadRoute = createRoute({
  method: "post",
  path: "/v1/devices/me/key-packages",
  tags: ["mls"],
  summary: "Publish MLS KeyPackages (and a last-resort one) for the caller's device",
  description:
    `For the device of the access token. Adds (the same package again is ignored); last_resort replaces the device's last-resort package; ` +
    `replace: true first drops everything the device holds. Up to ${MLS_LIMITS.keyPackagesPerUpload} packages per upload, each unpadded base64url of at most ` +
    `${MLS_LIMITS.maxKeyPackageBytes} bytes (${base64urlChars(MLS_LIMITS.maxKeyPackageBytes)} characters); 413 QUOTA_EXCEEDED past ${MLS_LIMITS.keyPackagesPerDevice} held ` +
    `(nothing stored). Answers the count after the upload. ${noDevice}.`,
  ...authed,
  request: { body: jsonBody(keyPackageUploadSchema) },
  responses: { 200: jsonResponse(keyPackageCountSchema, "Stored; the device's count"), ...errorResponses(400, 401, 413, 429) },
});

const countRoute = createRoute({
  method: "get",
  path: "/v1/devices/me/key-packages/count",
  tags: ["mls"],
  summary: "How many unclaimed KeyPackages the caller's device holds",
  description: `key_packages_low below ${MLS_LIMITS.lowWatermark} (upload more). ${noDevice}.`,
  ...authed,
  responses: { 200: jsonResponse(keyPackageCountSchema, "The device's count"), ...errorResponses(401, 429) },
});

const claimRoute = createRoute({
  method: "post",
  path: "/v1/mls/key-packages/claim",
  tags: ["mls"],
  summary: "Claim one KeyPackage per device of each user (to add them to an MLS group)",
  description:
    "Each package is handed out once, atomically; a device with none left hands out its last-resort package (last_resort: true; it is kept). " +
    "For the caller's own other devices and users who share a conversation with the caller; anyone else, unknown users and devices with nothing " +
    `left get no entry. 1–${MLS_LIMITS.claimUsersPerCall} user ids; device_ids (optional, up to ${MLS_LIMITS.claimDevicesPerCall}) claims only those devices of them. ` +
    "Limited per requester.",
  ...authed,
  middleware: [...authed.middleware, limitClaims],
  request: { body: jsonBody(keyPackageClaimSchema) },
  responses: { 200: jsonResponse(keyPackageClaimResultSchema, "One entry per device that had a package"), ...errorResponses(400, 401, 429) },
});

const groupRoute = createRoute({
  method: "get",
  path: "/v1/conversations/{id}/mls",
  tags: ["mls"],
  summary: "The MLS group's current epoch and the GroupInfo kept from its latest commit (External Commit rejoin)",
  description:
    "For members of an `mls` conversation; 404 for anyone else and for a plaintext conversation. group_info is null when the latest commit carried none.",
  ...authed,
  request: { params: conversationParamsSchema },
  responses: { 200: jsonResponse(mlsGroupEnvelopeSchema, "The group's epoch and GroupInfo"), ...errorResponses(400, 401, 404, 429) },
});

const devicesRoute = createRoute({
  method: "get",
  path: "/v1/conversations/{id}/mls/devices",
  tags: ["mls"],
  summary: "The devices the conversation's MLS group must hold as leaves: every signed-in device of every current member",
  description:
    `Read from the member list and the sessions at request time (no cache): every device of every member with a session that is neither revoked nor ` +
    `expired, the ${MLS_LIMITS.devicesPerUser} most recently seen of each user, grouped by user. Clients add the listed devices their group lacks ` +
    "(claiming with device_ids) and remove leaves that are not listed (a deleted or signed-out device, a user who left). " +
    "For members of an `mls` conversation; 404 for anyone else and for a plaintext conversation.",
  ...authed,
  request: { params: conversationParamsSchema },
  responses: { 200: jsonResponse(mlsDeviceListSchema, "The devices, by user"), ...errorResponses(400, 401, 404, 429) },
});

export function registerMlsRoutes(app: GatewayApp): void {
  app.openapi(uploadRoute, async (c) => c.json(unwrap(await c.env.CHAT.uploadKeyPackages(caller(c), c.req.valid("json"))), 200));
  app.openapi(countRoute, async (c) => c.json(unwrap(await c.env.CHAT.countKeyPackages(caller(c))), 200));
  app.openapi(claimRoute, async (c) => c.json(unwrap(await c.env.CHAT.claimKeyPackages(caller(c), c.req.valid("json"))), 200));
  app.openapi(groupRoute, async (c) => {
    const mlsGroup = unwrap(await c.env.CHAT.mlsGroup(caller(c), { conversationId: c.req.valid("param").id }));
    return c.json({ mls_group: mlsGroup }, 200);
  });
  app.openapi(devicesRoute, async (c) => c.json(unwrap(await c.env.CHAT.mlsDevices(caller(c), { conversationId: c.req.valid("param").id })), 200));
}
