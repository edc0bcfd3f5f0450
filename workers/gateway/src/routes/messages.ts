import { createRoute } from "@hono/zod-openapi";
import type { Context } from "hono";
import {
  historyQuerySchema,
  messageEnvelopeSchema,
  messagePageSchema,
  readReceiptSchema,
  sendMessageAliasSchema,
  sendMessageSchema,
  type SendMessageInput,
} from "../../../../lib/contracts/chat";
import {
  conversationParamsSchema,
  editMessageBodySchema,
  historyAliasQuerySchema,
  messageParamsSchema,
  reactionParamsSchema,
  readWatermarkSchema,
} from "../../../../lib/contracts/chat-rpc";
import { unwrap } from "../../../../lib/result";
import type { GatewayApp, GatewayBindings } from "../types";
import { authed, caller, errorResponses, jsonBody, jsonResponse } from "./shared";
const sendResponses = {
  201: jsonResponse(messageEnvelopeSchema, "Stored (seq assigned); fanned out to the conversation's sockets"),
  200: jsonResponse(messageEnvelopeSchema, "Same client_id as an earlier message: the original, nothing stored"),
  ...errorResponses(400, 401, 404, 409, 413, 429),
};
const sendDescription =
  "Exactly one of body and ciphertext (opaque E2EE payload, never inspected), each at most 65536 bytes (413 beyond). attachments: up to 10 storage file ids. reply_to_seq must name an existing message. " +
  "In an `mls` conversation: ciphertext only (body is 400); content_type mls/application (default), mls/commit or mls/proposal; a commit or proposal names its `epoch` " +
  "(409 with the room's epoch in details unless it is the room's current one; a stored commit advances it), may be 262144 bytes, and a commit may carry `group_info`. " +
  "A plaintext conversation refuses the mls/* content types, epoch and group_info.";

const sendRoute = createRoute({
  method: "post",
  path: "/v1/conversations/{id}/messages",
  tags: ["messages"],
  summary: "Send a message (idempotent by client_id)",
  description: sendDescription,
  ...authed,
  request: { params: conversationParamsSchema, body: jsonBody(sendMessageSchema) },
  responses: sendResponses,
});

const sendAliasRoute = createRoute({
  method: "post",
  path: "/v1/messages",
  tags: ["messages"],
  summary: "Seed-compatible alias of POST /v1/conversations/{id}/messages",
  description: sendDescription,
  ...authed,
  request: { body: jsonBody(sendMessageAliasSchema) },
  responses: sendResponses,
});

const historyDescription = "Newest first, below before_seq when given; oldest first above after_seq when that is given. limit ≤ 100 (default 50).";
const historyRoute = createRoute({
  method: "get",
  path: "/v1/conversations/{id}/messages",
  tags: ["messages"],
  summary: "History page",
  description: historyDescription,
  ...authed,
  request: { params: conversationParamsSchema, query: historyQuerySchema },
  responses: { 200: jsonResponse(messagePageSchema, "A page of messages"), ...errorResponses(400, 401, 404, 429) },
});

const historyAliasRoute = createRoute({
  method: "get",
  path: "/v1/messages",
  tags: ["messages"],
  summary: "Seed-compatible alias of GET /v1/conversations/{id}/messages",
  description: historyDescription,
  ...authed,
  request: { query: historyAliasQuerySchema },
  responses: { 200: jsonResponse(messagePageSchema, "A page of messages"), ...errorResponses(400, 401, 404, 429) },
});

const editRoute = createRoute({
  method: "patch",
  path: "/v1/conversations/{id}/messages/{seq}",
  tags: ["messages"],
  summary: "Edit a message (sender only)",
  description:
    "`body` for plaintext messages; an E2EE message is edited with `ciphertext` instead. In an `mls` conversation only `ciphertext` (with its `epoch`, optional), and only of an mls/application message (409 for a commit or proposal).",
  ...authed,
  request: { params: messageParamsSchema, body: jsonBody(editMessageBodySchema) },
  responses: { 200: jsonResponse(messageEnvelopeSchema, "The edited message"), ...errorResponses(400, 401, 403, 404, 409, 413, 429) },
});

const deleteRoute = createRoute({
  method: "delete",
  path: "/v1/conversations/{id}/messages/{seq}",
  tags: ["messages"],
  summary: "Delete a message (sender, or a group owner/admin); leaves a tombstone",
  ...authed,
  request: { params: messageParamsSchema },
  responses: { 200: jsonResponse(messageEnvelopeSchema, "The tombstone"), ...errorResponses(400, 401, 403, 404, 429) },
});

const reactionRoute = (method: "put" | "delete") =>
  createRoute({
    method,
    path: "/v1/conversations/{id}/messages/{seq}/reactions/{emoji}",
    tags: ["messages"],
    summary: method === "put" ? "Add your reaction (idempotent)" : "Remove your reaction (idempotent)",
    description:
      "emoji: one URL-encoded emoji (with modifiers), at most 32 UTF-16 units. An `mls` conversation refuses these (400): its reactions travel as encrypted application messages.",
    ...authed,
    request: { params: reactionParamsSchema },
    responses: { 200: jsonResponse(messageEnvelopeSchema, "The message with its reactions"), ...errorResponses(400, 401, 404, 409, 429) },
  });

const readRoute = createRoute({
  method: "post",
  path: "/v1/conversations/{id}/read",
  tags: ["messages"],
  summary: "Read receipt: moves the caller's read watermark forward (never back)",
  ...authed,
  request: { params: conversationParamsSchema, body: jsonBody(readReceiptSchema) },
  responses: { 200: jsonResponse(readWatermarkSchema, "The caller's watermark"), ...errorResponses(400, 401, 404, 429) },
});

async function send(c: Context<GatewayBindings>, conversationId: string, message: SendMessageInput) {
  const sent = unwrap(await c.env.CHAT.sendMessage(caller(c), { conversationId, message }));
  return { body: { message: sent.message }, status: sent.created ? (201 as const) : (200 as const) };
}

export function registerMessagesRoutes(app: GatewayApp): void {
  app.openapi(sendRoute, async (c) => {
    const { body, status } = await send(c, c.req.valid("param").id, c.req.valid("json"));
    return status === 201 ? c.json(body, 201) : c.json(body, 200);
  });
  app.openapi(sendAliasRoute, async (c) => {
    const { conversation_id, ...message } = c.req.valid("json");
    const { body, status } = await send(c, conversation_id, message);
    return status === 201 ? c.json(body, 201) : c.json(body, 200);
  });
  app.openapi(historyRoute, async (c) =>
    c.json(unwrap(await c.env.CHAT.listMessages(caller(c), { conversationId: c.req.valid("param").id, query: c.req.valid("query") })), 200),
  );
  app.openapi(historyAliasRoute, async (c) => {
    const { conversation_id, ...query } = c.req.valid("query");
    return c.json(unwrap(await c.env.CHAT.listMessages(caller(c), { conversationId: conversation_id, query })), 200);
  });
  app.openapi(editRoute, async (c) => {
    const { id, seq } = c.req.valid("param");
    const message = unwrap(await c.env.CHAT.editMessage(caller(c), { conversationId: id, seq, patch: c.req.valid("json") }));
    return c.json({ message }, 200);
  });
  app.openapi(deleteRoute, async (c) => {
    const { id, seq } = c.req.valid("param");
    const message = unwrap(await c.env.CHAT.deleteMessage(caller(c), { conversationId: id, seq }));
    return c.json({ message }, 200);
  });
  for (const method of ["put", "delete"] as const) {
    app.openapi(reactionRoute(method), async (c) => {
      const { id, seq, emoji } = c.req.valid("param");
      const message = unwrap(await c.env.CHAT.react(caller(c), { conversationId: id, seq, emoji, on: method === "put" }));
      return c.json({ message }, 200);
    });
  }
  app.openapi(readRoute, async (c) =>
    c.json(unwrap(await c.env.CHAT.markRead(caller(c), { conversationId: c.req.valid("param").id, seq: c.req.valid("json").seq })), 200),
  );
}
