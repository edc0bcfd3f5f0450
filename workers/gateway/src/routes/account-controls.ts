import { createRoute } from "@hono/zod-openapi";
import {
  blockEnvelopeSchema,
  blockListSchema,
  disappearingBodySchema,
  disappearingEnvelopeSchema,
  DISAPPEARING_TIMER_CONTENT_TYPE,
  muteBodySchema,
  muteEnvelopeSchema,
} from "../../../../lib/contracts/account-controls";
import { userParamsSchema } from "../../../../lib/contracts/auth-rpc";
import { conversationParamsSchema } from "../../../../lib/contracts/chat-rpc";
import { unwrap } from "../../../../lib/result";
import type { GatewayApp } from "../types";
import { authed, caller, errorResponses, jsonBody, jsonResponse } from "./shared";

/** Blocking users, muting conversations and their disappearing-messages timer (chat worker, src/controls/). */
const routes = {
  listBlocks: createRoute({
    method: "get",
    path: "/v1/users/me/blocks",
    tags: ["users"],
    summary: "The users the caller blocks, newest first",
    ...authed,
    responses: { 200: jsonResponse(blockListSchema, "Blocked users"), ...errorResponses(401, 429) },
  }),
  block: createRoute({
    method: "put",
    path: "/v1/users/me/blocks/{user_id}",
    tags: ["users"],
    summary: "Block a user (idempotent)",
    description:
      "The blocked user can no longer start a direct conversation with the caller, call them, see their presence (offline, no last seen) or cause them pushes; an existing direct conversation becomes read-only for both. In shared groups their messages still arrive: clients hide them by this list. Reversible with DELETE.",
    ...authed,
    request: { params: userParamsSchema },
    responses: { 200: jsonResponse(blockEnvelopeSchema, "Blocked"), ...errorResponses(400, 401, 404, 429) },
  }),
  unblock: createRoute({
    method: "delete",
    path: "/v1/users/me/blocks/{user_id}",
    tags: ["users"],
    summary: "Unblock a user (idempotent)",
    ...authed,
    request: { params: userParamsSchema },
    responses: { 204: { description: "Not blocked (any more)" }, ...errorResponses(400, 401, 429) },
  }),
  mute: createRoute({
    method: "put",
    path: "/v1/conversations/{id}/mute",
    tags: ["conversations"],
    summary: "Mute a conversation for the caller: no pushes, messages still arrive",
    description:
      "`until` (ISO-8601, in the future, at most a year ahead) ends the mute by itself; absent or null mutes until DELETE. Muting again replaces the end.",
    ...authed,
    request: { params: conversationParamsSchema, body: jsonBody(muteBodySchema) },
    responses: { 200: jsonResponse(muteEnvelopeSchema, "Muted"), ...errorResponses(400, 401, 404, 429) },
  }),
  disappearing: createRoute({
    method: "put",
    path: "/v1/conversations/{id}/disappearing",
    tags: ["conversations"],
    summary: "Set the conversation's disappearing-messages timer (30 s to 4 weeks, null = off)",
    description: `Any member of a direct conversation, the owner or an admin of a group (others 403). Messages stored afterwards are erased that many seconds after they were stored: history, replay and the list then show a content-free tombstone (seq stays gap-free) and their files are deleted. The change is a message in the conversation (content_type \`${DISAPPEARING_TIMER_CONTENT_TYPE}\`, body \`{"seconds": n|null}\`).`,
    ...authed,
    request: { params: conversationParamsSchema, body: jsonBody(disappearingBodySchema) },
    responses: { 200: jsonResponse(disappearingEnvelopeSchema, "The timer now in force"), ...errorResponses(400, 401, 403, 404, 429) },
  }),
  unmute: createRoute({
    method: "delete",
    path: "/v1/conversations/{id}/mute",
    tags: ["conversations"],
    summary: "Unmute a conversation (idempotent)",
    ...authed,
    request: { params: conversationParamsSchema },
    responses: { 204: { description: "Not muted (any more)" }, ...errorResponses(400, 401, 404, 429) },
  }),
};

export function registerAccountControlsRoutes(app: GatewayApp): void {
  app.openapi(routes.listBlocks, async (c) => c.json(unwrap(await c.env.CHAT.listBlocks(caller(c))), 200));
  app.openapi(routes.block, async (c) => c.json(unwrap(await c.env.CHAT.blockUser(caller(c), { user_id: c.req.valid("param").user_id })), 200));
  app.openapi(routes.unblock, async (c) => {
    unwrap(await c.env.CHAT.unblockUser(caller(c), { user_id: c.req.valid("param").user_id }));
    return c.body(null, 204);
  });
  app.openapi(routes.mute, async (c) => {
    const input = { conversationId: c.req.valid("param").id, ...c.req.valid("json") };
    return c.json(unwrap(await c.env.CHAT.muteConversation(caller(c), input)), 200);
  });
  app.openapi(routes.disappearing, async (c) => {
    const input = { conversationId: c.req.valid("param").id, ...c.req.valid("json") };
    return c.json(unwrap(await c.env.CHAT.setDisappearing(caller(c), input)), 200);
  });
  app.openapi(routes.unmute, async (c) => {
    unwrap(await c.env.CHAT.unmuteConversation(caller(c), c.req.valid("param").id));
    return c.body(null, 204);
  });
}
