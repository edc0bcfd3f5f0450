import { createRoute } from "@hono/zod-openapi";
import type { Context } from "hono";
import { signalingSocketQuerySchema } from "../../../../lib/contracts/call-frames";
import { chatSocketQuerySchema } from "../../../../lib/contracts/chat-frames";
import { deviceSocketQuerySchema } from "../../../../lib/contracts/device-rpc";
import { errorEnvelopeSchema } from "../../../../lib/errors";
import { AppError } from "../../../../lib/errors";
import { log } from "../../../../lib/log";
import { durableObjectByName, REQUEST_ID_HEADER, VERIFIED_DEVICE_HEADER, VERIFIED_USER_HEADER } from "../../../../lib/rpc";
import { bearerToken, verifyBearer } from "../middleware/authenticate";
import { countFailedCredential, countUserRequest } from "../middleware/rate-limit";
import type { GatewayApp, GatewayBindings } from "../types";

const errors = {
  400: { description: "Not a WebSocket upgrade, or bad query", content: { "application/json": { schema: errorEnvelopeSchema } } },
  401: { description: "Missing, forged, expired or spent ticket/token", content: { "application/json": { schema: errorEnvelopeSchema } } },
  404: { description: "Not a member of that conversation or call", content: { "application/json": { schema: errorEnvelopeSchema } } },
};
/** The call room's own refusals: invited but not joined (403), or the call has ended (409). */
const signalingErrors = {
  ...errors,
  403: {
    description: "FORBIDDEN: join the call (POST /v1/calls/{id}/join) before opening its signaling socket",
    content: { "application/json": { schema: errorEnvelopeSchema } },
  },
  409: { description: "CONFLICT: the call has ended", content: { "application/json": { schema: errorEnvelopeSchema } } },
};

/** A single-use ticket in the query (browsers), or a bearer token (native clients). */
const socketSecurity: Record<string, string[]>[] = [{ ticket: [] }, { bearer: [] }];

const chatRoute = createRoute({
  method: "get",
  path: "/v1/ws/chat",
  tags: ["websockets"],
  summary: "Upgrade to a conversation's room (JSON text frames, see API.md)",
  security: socketSecurity,
  request: { query: chatSocketQuerySchema },
  responses: { 101: { description: "Switching protocols" }, ...errors },
});

const signalingRoute = createRoute({
  method: "get",
  path: "/v1/ws/signaling",
  tags: ["websockets"],
  summary: "Upgrade to a call's signaling room",
  security: socketSecurity,
  request: { query: signalingSocketQuerySchema },
  responses: { 101: { description: "Switching protocols" }, ...signalingErrors },
});

const eventsRoute = createRoute({
  method: "get",
  path: "/v1/ws/events",
  tags: ["websockets"],
  summary: "Upgrade to this device's event stream (JSON text frames, see workers/chat/README.md)",
  description:
    "One connection per device for everything outside the open conversation: conversation changes (coalesced), reads on the user's " +
    "other devices, membership, calls, key-directory signals, the user's other devices being added or removed (`devices`) and the " +
    "device mailbox. The device is the one of the ticket or token, " +
    "never a query parameter. `since`: the last position seen; what came after it is replayed, or `reset` if it is no longer kept.",
  security: socketSecurity,
  request: { query: deviceSocketQuerySchema },
  responses: {
    101: { description: "Switching protocols" },
    ...errors,
    401: {
      description: "Missing, forged, expired or spent ticket/token, or a session without a device",
      content: { "application/json": { schema: errorEnvelopeSchema } },
    },
    404: { description: "The device is not the caller's", content: { "application/json": { schema: errorEnvelopeSchema } } },
  },
});

type SocketIdentity = { userId: string; deviceId?: string | undefined };

/** Who is behind a socket: a single-use ticket (browsers), or a bearer token (native clients). */
async function socketIdentity(c: Context<GatewayBindings>, ticket: string | undefined): Promise<SocketIdentity> {
  if (ticket) {
    const result = await c.env.AUTH.consumeTicket(c.get("rpc"), ticket);
    if (result.ok) return result.value;
  } else {
    const token = bearerToken(c.req.header("authorization"));
    const claims = token ? await verifyBearer(c, token) : null;
    if (claims) return { userId: claims.sub, deviceId: claims.did };
  }
  const room = c.req.path.endsWith("chat") ? "chat" : c.req.path.endsWith("events") ? "device" : "call";
  log({ event: "socket_refused", room, reason: "unauthenticated", request_id: c.get("requestId") }, "warn");
  await countFailedCredential(c);
  throw new AppError("UNAUTHORIZED", "A valid ticket or access token is required.");
}

/**
 * Authenticates, then forwards the upgrade to the owner (a worker, or the conversation's room) with
 * the verified user id (and the session's device) in headers the client cannot set (any client copy
 * is dropped). The owner checks membership. `device`: the stream of the token's device, so a session must have one.
 */
async function forwardUpgrade(
  c: Context<GatewayBindings>,
  ticket: string | undefined,
  target: Pick<Fetcher, "fetch">,
  opts: { device?: boolean } = {},
): Promise<Response> {
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
    throw new AppError("BAD_REQUEST", "Expected a WebSocket upgrade request.");
  }
  const { userId, deviceId } = await socketIdentity(c, ticket);
  await countUserRequest(c, userId);
  if (opts.device && deviceId === undefined) throw new AppError("UNAUTHORIZED", "This session has no device; sign in again.");
  const headers = new Headers(c.req.raw.headers);
  headers.delete(VERIFIED_USER_HEADER);
  headers.delete(VERIFIED_DEVICE_HEADER);
  headers.delete("authorization");
  headers.set(VERIFIED_USER_HEADER, userId);
  if (deviceId !== undefined) headers.set(VERIFIED_DEVICE_HEADER, deviceId);
  headers.set(REQUEST_ID_HEADER, c.get("requestId"));
  const url = new URL(c.req.url);
  url.searchParams.delete("ticket");
  const answer = await target.fetch(new Request(url, { method: "GET", headers }));
  // Responses from a binding have immutable headers; rebuild so our middleware can add its own.
  if (answer.status === 101) return new Response(null, { status: 101, webSocket: answer.webSocket });
  return new Response(answer.body, answer);
}

export function registerWebSocketRoutes(app: GatewayApp): void {
  // Straight to the conversation's room (a Durable Object of the chat worker, bound by script_name): the room
  // checks membership from its own member list, and each frame crosses one pipe fewer than through the chat worker.
  app.openapi(chatRoute, (c) => {
    const query = c.req.valid("query");
    return forwardUpgrade(c, query.ticket, durableObjectByName(c.env.CONVERSATION_ROOM, query.conversation_id));
  });
  app.openapi(signalingRoute, (c) => forwardUpgrade(c, c.req.valid("query").ticket, c.env.CALLS));
  app.openapi(eventsRoute, (c) => forwardUpgrade(c, c.req.valid("query").ticket, c.env.CHAT, { device: true }));
}
