import { createRoute } from "@hono/zod-openapi";
import {
  addMembersSchema,
  conversationEnvelopeSchema,
  conversationListSchema,
  createConversationSchema,
  listConversationsQuerySchema,
  renameConversationSchema,
  setRoleSchema,
} from "../../../../lib/contracts/chat";
import { conversationParamsSchema, memberParamsSchema } from "../../../../lib/contracts/chat-rpc";
import { unwrap } from "../../../../lib/result";
import type { GatewayApp } from "../types";
import { authed, caller, errorResponses, jsonBody, jsonResponse } from "./shared";

const createRouteDef = createRoute({
  method: "post",
  path: "/v1/conversations",
  tags: ["conversations"],
  summary: "Create a direct or group conversation",
  description:
    "A direct conversation between the same two users is returned (200) instead of created twice (one per `encryption`: an `mls` create never returns the pair's plaintext one). " +
    "The creator owns a group. Every member id must exist. `encryption` (default none) is fixed at creation; an `mls` conversation takes only MLS ciphertext. " +
    "A new direct conversation with a user who blocks the caller, or whom the caller blocks, is 403.",
  ...authed,
  request: { body: jsonBody(createConversationSchema) },
  responses: {
    201: jsonResponse(conversationEnvelopeSchema, "Created"),
    200: jsonResponse(conversationEnvelopeSchema, "The existing direct conversation"),
    ...errorResponses(400, 401, 403, 429),
  },
});

const listRoute = createRoute({
  method: "get",
  path: "/v1/conversations",
  tags: ["conversations"],
  summary: "The caller's conversations, newest activity first, with last_message and unread_count",
  description: "A `last_message` from someone the caller blocks carries `sender_blocked: true`, as the caller's copy of it in history does.",
  ...authed,
  request: { query: listConversationsQuerySchema },
  responses: { 200: jsonResponse(conversationListSchema, "A page of conversations"), ...errorResponses(400, 401, 429) },
});

const getRoute = createRoute({
  method: "get",
  path: "/v1/conversations/{id}",
  tags: ["conversations"],
  summary: "One conversation (404 for non-members)",
  ...authed,
  request: { params: conversationParamsSchema },
  responses: { 200: jsonResponse(conversationEnvelopeSchema, "The conversation"), ...errorResponses(400, 401, 404, 429) },
});

const renameRoute = createRoute({
  method: "patch",
  path: "/v1/conversations/{id}",
  tags: ["conversations"],
  summary: "Rename a group (owner or admin)",
  description:
    "A direct conversation has no name to change (403). A rename is activity (the group moves up in the list), and every member's devices get a `details` event on `/v1/ws/events`.",
  ...authed,
  request: { params: conversationParamsSchema, body: jsonBody(renameConversationSchema) },
  responses: { 200: jsonResponse(conversationEnvelopeSchema, "The renamed conversation"), ...errorResponses(400, 401, 403, 404, 429) },
});

const addMembersRoute = createRoute({
  method: "post",
  path: "/v1/conversations/{id}/members",
  tags: ["conversations"],
  summary: "Add members to a group (owner or admin)",
  ...authed,
  request: { params: conversationParamsSchema, body: jsonBody(addMembersSchema) },
  responses: { 200: jsonResponse(conversationEnvelopeSchema, "The updated conversation"), ...errorResponses(400, 401, 403, 404, 409, 429) },
});

const removeMemberRoute = createRoute({
  method: "delete",
  path: "/v1/conversations/{id}/members/{user_id}",
  tags: ["conversations"],
  summary: "Remove a member (owner; admin for plain members), or leave (your own id)",
  description:
    "The removed member's sockets in the conversation close with code 4403 and their access ends at once. An owner who leaves hands ownership to the longest-standing admin, else member.",
  ...authed,
  request: { params: memberParamsSchema },
  responses: { 204: { description: "Removed" }, ...errorResponses(400, 401, 403, 404, 429) },
});

const setRoleRoute = createRoute({
  method: "patch",
  path: "/v1/conversations/{id}/members/{user_id}",
  tags: ["conversations"],
  summary: "Make a group member an admin or a plain member again (owner only)",
  ...authed,
  request: { params: memberParamsSchema, body: jsonBody(setRoleSchema) },
  responses: { 200: jsonResponse(conversationEnvelopeSchema, "The updated conversation"), ...errorResponses(400, 401, 403, 404, 409, 429) },
});

export function registerConversationsRoutes(app: GatewayApp): void {
  app.openapi(createRouteDef, async (c) => {
    const { conversation, created } = unwrap(await c.env.CHAT.createConversation(caller(c), c.req.valid("json")));
    return created ? c.json({ conversation }, 201) : c.json({ conversation }, 200);
  });
  app.openapi(listRoute, async (c) => c.json(unwrap(await c.env.CHAT.listConversations(caller(c), c.req.valid("query"))), 200));
  app.openapi(getRoute, async (c) => {
    const conversation = unwrap(await c.env.CHAT.getConversation(caller(c), c.req.valid("param").id));
    return c.json({ conversation }, 200);
  });
  app.openapi(renameRoute, async (c) => {
    const conversation = unwrap(await c.env.CHAT.renameConversation(caller(c), { conversationId: c.req.valid("param").id, ...c.req.valid("json") }));
    return c.json({ conversation }, 200);
  });
  app.openapi(addMembersRoute, async (c) => {
    const conversation = unwrap(await c.env.CHAT.addMembers(caller(c), { conversationId: c.req.valid("param").id, ...c.req.valid("json") }));
    return c.json({ conversation }, 200);
  });
  app.openapi(removeMemberRoute, async (c) => {
    const { id, user_id } = c.req.valid("param");
    unwrap(await c.env.CHAT.removeMember(caller(c), { conversationId: id, targetUserId: user_id }));
    return c.body(null, 204);
  });
  app.openapi(setRoleRoute, async (c) => {
    const { id, user_id } = c.req.valid("param");
    const conversation = unwrap(await c.env.CHAT.setMemberRole(caller(c), { conversationId: id, targetUserId: user_id, ...c.req.valid("json") }));
    return c.json({ conversation }, 200);
  });
}
