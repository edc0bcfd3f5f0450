import { createRoute } from "@hono/zod-openapi";
import { deviceParamsSchema, userParamsSchema } from "../../../../lib/contracts/auth-rpc";
import {
  deviceCreatedSchema,
  deviceListSchema,
  publicUserEnvelopeSchema,
  registerDeviceSchema,
  updateMeSchema,
  userEnvelopeSchema,
  userSearchResultSchema,
  userSearchSchema,
} from "../../../../lib/contracts/users";
import { unwrap } from "../../../../lib/result";
import { forgetSession } from "../middleware/authenticate";
import type { GatewayApp } from "../types";
import { authed, caller, errorResponses, jsonBody, jsonResponse } from "./shared";
import { announceSignedOut } from "./signed-out";

const tags = ["users"];

const routes = {
  me: createRoute({
    method: "get",
    path: "/v1/users/me",
    tags,
    summary: "The caller's account",
    ...authed,
    responses: { 200: jsonResponse(userEnvelopeSchema, "The caller"), ...errorResponses(401, 429) },
  }),
  updateMe: createRoute({
    method: "patch",
    path: "/v1/users/me",
    tags,
    summary: "Change display name or avatar (null clears it)",
    ...authed,
    request: { body: jsonBody(updateMeSchema) },
    responses: { 200: jsonResponse(userEnvelopeSchema, "Updated"), ...errorResponses(400, 401, 413, 429) },
  }),
  search: createRoute({
    method: "get",
    path: "/v1/users",
    tags,
    summary: "Search users by username prefix",
    ...authed,
    request: { query: userSearchSchema },
    responses: { 200: jsonResponse(userSearchResultSchema, "Matching public profiles, by username"), ...errorResponses(400, 401, 429) },
  }),
  listDevices: createRoute({
    method: "get",
    path: "/v1/users/me/devices",
    tags,
    summary: "The caller's devices: every device a session signed in on, and every push registration",
    ...authed,
    responses: { 200: jsonResponse(deviceListSchema, "Devices, oldest first"), ...errorResponses(401, 429) },
  }),
  addDevice: createRoute({
    method: "post",
    path: "/v1/users/me/devices",
    tags,
    summary: "Set the push token of the session's device (a token another device held moves to it)",
    ...authed,
    request: { body: jsonBody(registerDeviceSchema) },
    responses: { 201: jsonResponse(deviceCreatedSchema, "Registered"), ...errorResponses(400, 401, 413, 429) },
  }),
  deleteDevice: createRoute({
    method: "delete",
    path: "/v1/users/me/devices/{device_id}",
    tags,
    summary: "Remove a device; the sessions signed in on it end (their tokens get 401)",
    ...authed,
    request: { params: deviceParamsSchema },
    responses: { 204: { description: "Removed" }, ...errorResponses(401, 404, 429) },
  }),
  removePushToken: createRoute({
    method: "delete",
    path: "/v1/users/me/devices/{device_id}/push-token",
    tags,
    summary: "Stop push to a device: only its push token goes, the device and its sessions stay",
    ...authed,
    request: { params: deviceParamsSchema },
    responses: { 204: { description: "Push token removed (also when it had none)" }, ...errorResponses(400, 401, 404, 429) },
  }),
  profile: createRoute({
    method: "get",
    path: "/v1/users/{user_id}",
    tags,
    summary: "A user's public profile (no email)",
    ...authed,
    request: { params: userParamsSchema },
    responses: { 200: jsonResponse(publicUserEnvelopeSchema, "Public profile"), ...errorResponses(401, 404, 429) },
  }),
};

export function registerUsersRoutes(app: GatewayApp): void {
  // `/me` routes first, so "me" is never read as a user id.
  app.openapi(routes.me, async (c) => c.json(unwrap(await c.env.AUTH.getMe(caller(c))), 200));
  app.openapi(routes.updateMe, async (c) => c.json(unwrap(await c.env.AUTH.updateMe(caller(c), c.req.valid("json"))), 200));
  app.openapi(routes.listDevices, async (c) => c.json(unwrap(await c.env.AUTH.listDevices(caller(c))), 200));
  app.openapi(routes.addDevice, async (c) => c.json(unwrap(await c.env.AUTH.registerDevice(caller(c), c.req.valid("json"))), 201));
  app.openapi(routes.deleteDevice, async (c) => {
    const rpc = caller(c);
    const { revoked_session_ids, signed_out_device_ids } = unwrap(await c.env.AUTH.deleteDevice(rpc, c.req.valid("param").device_id));
    for (const id of revoked_session_ids) forgetSession(id);
    announceSignedOut(c, rpc, signed_out_device_ids);
    return c.body(null, 204);
  });
  app.openapi(routes.removePushToken, async (c) => {
    unwrap(await c.env.AUTH.removePushToken(caller(c), c.req.valid("param").device_id));
    return c.body(null, 204);
  });
  app.openapi(routes.search, async (c) => c.json(unwrap(await c.env.AUTH.searchUsers(caller(c), c.req.valid("query"))), 200));
  app.openapi(routes.profile, async (c) => c.json(unwrap(await c.env.AUTH.getUser(caller(c), c.req.valid("param").user_id)), 200));
}
