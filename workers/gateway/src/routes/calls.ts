import { createRoute } from "@hono/zod-openapi";
import type { Context } from "hono";
import {
  callHistoryQuerySchema,
  callJoinResponseSchema,
  callListResponseSchema,
  callResponseSchema,
  iceServersResponseSchema,
  initiateCallBodySchema,
  sfuAnswerSchema,
  sfuCloseTracksBodySchema,
  sfuNewSessionBodySchema,
  sfuNewTracksBodySchema,
  sfuRenegotiateBodySchema,
  type SfuRequest,
} from "../../../../lib/contracts/calls";
import { callParamsSchema, sfuSessionParamsSchema } from "../../../../lib/contracts/calls-rpc";
import { unwrap } from "../../../../lib/result";
import { authed, caller, errorResponses, jsonBody, jsonResponse } from "./shared";
import type { GatewayApp, GatewayBindings } from "../types";

const tags = ["calls"];

const initiateRoute = createRoute({
  method: "post",
  path: "/v1/calls/initiate",
  tags,
  summary: "Start a call in a conversation; members are rung over chat sockets and push",
  description: "409 CONFLICT while another call rings or runs in the conversation. Group calls on RealtimeKit also return `realtimekit`.",
  ...authed,
  request: { body: jsonBody(initiateCallBodySchema) },
  responses: { 201: jsonResponse(callJoinResponseSchema, "The ringing call"), ...errorResponses(400, 401, 403, 404, 409, 413, 429, 503) },
});

const iceRoute = createRoute({
  method: "get",
  path: "/v1/calls/ice-servers",
  tags,
  summary: "Short-lived TURN credentials (or STUN only where no TURN is configured)",
  ...authed,
  responses: { 200: jsonResponse(iceServersResponseSchema, "ICE servers"), ...errorResponses(401, 429, 503) },
});

const historyRoute = createRoute({
  method: "get",
  path: "/v1/calls",
  tags,
  summary: "A conversation's call history, newest first, with `missed` for the caller",
  description: "Calls started by someone the caller blocks are left out, unless the caller joined them.",
  ...authed,
  request: { query: callHistoryQuerySchema },
  responses: { 200: jsonResponse(callListResponseSchema, "Calls"), ...errorResponses(400, 401, 404, 429) },
});

const getRoute = createRoute({
  method: "get",
  path: "/v1/calls/{id}",
  tags,
  summary: "One call from the call log (invitees only)",
  ...authed,
  request: { params: callParamsSchema },
  responses: { 200: jsonResponse(callResponseSchema, "The call"), ...errorResponses(400, 401, 404, 429) },
});

const joinRoute = createRoute({
  method: "post",
  path: "/v1/calls/{id}/join",
  tags,
  summary: "Answer (the call becomes active); other devices of the caller stop ringing",
  ...authed,
  request: { params: callParamsSchema },
  responses: { 200: jsonResponse(callJoinResponseSchema, "The call"), ...errorResponses(400, 401, 404, 409, 429, 503) },
});

function simpleRoute(action: "decline" | "leave" | "end", summary: string) {
  return createRoute({
    method: "post",
    path: `/v1/calls/{id}/${action}`,
    tags,
    summary,
    ...authed,
    request: { params: callParamsSchema },
    responses: { 200: jsonResponse(callResponseSchema, "The call"), ...errorResponses(400, 401, 403, 404, 409, 429) },
  });
}

const sfuErrors = errorResponses(400, 401, 403, 404, 409, 413, 429, 503);

const sfuSessionRoute = createRoute({
  method: "post",
  path: "/v1/calls/{id}/sfu/sessions",
  tags,
  summary: "Create a Cloudflare Realtime SFU session, locked to the caller (body as Cloudflare's sessions/new)",
  ...authed,
  request: { params: callParamsSchema, body: jsonBody(sfuNewSessionBodySchema) },
  responses: { 201: jsonResponse(sfuAnswerSchema, "Cloudflare's answer (sessionId, sessionDescription)"), ...sfuErrors },
});

const sfuTracksRoute = createRoute({
  method: "post",
  path: "/v1/calls/{id}/sfu/sessions/{session_id}/tracks",
  tags,
  summary: "Publish or pull tracks on the caller's own session; pulls only from this call's participants",
  ...authed,
  request: { params: sfuSessionParamsSchema, body: jsonBody(sfuNewTracksBodySchema) },
  responses: { 200: jsonResponse(sfuAnswerSchema, "Cloudflare's tracks/new answer"), ...sfuErrors },
});

const sfuRenegotiateRoute = createRoute({
  method: "put",
  path: "/v1/calls/{id}/sfu/sessions/{session_id}/renegotiate",
  tags,
  summary: "Answer the SFU's renegotiation offer on the caller's own session",
  ...authed,
  request: { params: sfuSessionParamsSchema, body: jsonBody(sfuRenegotiateBodySchema) },
  responses: { 200: jsonResponse(sfuAnswerSchema, "Cloudflare's renegotiate answer"), ...sfuErrors },
});

const sfuCloseRoute = createRoute({
  method: "put",
  path: "/v1/calls/{id}/sfu/sessions/{session_id}/tracks/close",
  tags,
  summary: "Close tracks on the caller's own session",
  ...authed,
  request: { params: sfuSessionParamsSchema, body: jsonBody(sfuCloseTracksBodySchema) },
  responses: { 200: jsonResponse(sfuAnswerSchema, "Cloudflare's tracks/close answer"), ...sfuErrors },
});

async function sfu(c: Context<GatewayBindings>, request: SfuRequest) {
  return unwrap(await c.env.CALLS.sfu(caller(c), request));
}

export function registerCallsRoutes(app: GatewayApp): void {
  app.openapi(initiateRoute, async (c) => c.json(unwrap(await c.env.CALLS.initiate(caller(c), c.req.valid("json"))), 201));
  // Before `/v1/calls/{id}`, so "ice-servers" is never taken for an id.
  app.openapi(iceRoute, async (c) => c.json(unwrap(await c.env.CALLS.iceServers(caller(c))), 200));
  app.openapi(historyRoute, async (c) => c.json(unwrap(await c.env.CALLS.history(caller(c), c.req.valid("query"))), 200));
  app.openapi(getRoute, async (c) => c.json(unwrap(await c.env.CALLS.get(caller(c), { callId: c.req.valid("param").id })), 200));
  app.openapi(joinRoute, async (c) => c.json(unwrap(await c.env.CALLS.join(caller(c), { callId: c.req.valid("param").id })), 200));
  app.openapi(simpleRoute("decline", "Decline a ringing call (a 1:1 call then ends)"), async (c) =>
    c.json(unwrap(await c.env.CALLS.decline(caller(c), { callId: c.req.valid("param").id })), 200),
  );
  app.openapi(simpleRoute("leave", "Leave the call (1:1: ends it; group: ends with the last participant)"), async (c) =>
    c.json(unwrap(await c.env.CALLS.leave(caller(c), { callId: c.req.valid("param").id })), 200),
  );
  app.openapi(simpleRoute("end", "End the call for everyone (1:1: either side; group: the caller)"), async (c) =>
    c.json(unwrap(await c.env.CALLS.end(caller(c), { callId: c.req.valid("param").id })), 200),
  );
  app.openapi(sfuSessionRoute, async (c) => c.json(await sfu(c, { action: "new_session", callId: c.req.valid("param").id, body: c.req.valid("json") }), 201));
  app.openapi(sfuTracksRoute, async (c) => {
    const { id, session_id } = c.req.valid("param");
    return c.json(await sfu(c, { action: "new_tracks", callId: id, sessionId: session_id, body: c.req.valid("json") }), 200);
  });
  app.openapi(sfuRenegotiateRoute, async (c) => {
    const { id, session_id } = c.req.valid("param");
    return c.json(await sfu(c, { action: "renegotiate", callId: id, sessionId: session_id, body: c.req.valid("json") }), 200);
  });
  app.openapi(sfuCloseRoute, async (c) => {
    const { id, session_id } = c.req.valid("param");
    return c.json(await sfu(c, { action: "close_tracks", callId: id, sessionId: session_id, body: c.req.valid("json") }), 200);
  });
}
