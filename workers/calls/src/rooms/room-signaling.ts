import { assertNever } from "../../../../lib/assert-never";
import { SIGNALING_CLOSE, type RelayFrame } from "../../../../lib/contracts/call-frames";
import { errorBody, statusOf, type ErrorCode } from "../../../../lib/errors";
import { log } from "../../../../lib/log";
import { REQUEST_ID_HEADER, VERIFIED_USER_HEADER } from "../../../../lib/rpc";
import { callView, isPresent, type CallState } from "./call-state";
import { closeSockets, identityOf, parseFrame, send, sendError, socketsOf } from "./room-sockets";
import { sendRoster } from "./room-tracks";

type Touch = (state: CallState, userId: string) => Promise<void>;

/** A refused upgrade: the API's error envelope with a 4xx, never a 500. */
export function refuse(code: ErrorCode, message: string, requestId: string): Response {
  return Response.json(errorBody({ code, message }, requestId), { status: statusOf(code) });
}

/**
 * Accepts a signaling socket for a participant who is in the call (joined and not left). The
 * calls worker already checked the verified-user header exists; the room checks the rest.
 */
export async function openSignalingSocket(ctx: DurableObjectState, state: CallState | null, request: Request, touch: Touch): Promise<Response> {
  const requestId = request.headers.get(REQUEST_ID_HEADER) ?? "unknown";
  const userId = request.headers.get(VERIFIED_USER_HEADER);
  if (!userId) return refuse("UNAUTHORIZED", "A verified user is required.", requestId);
  if (!state || !state.participants[userId]) {
    log({ event: "socket_refused", room: "call", reason: "not_invited", request_id: requestId }, "warn");
    return refuse("NOT_FOUND", "No such call.", requestId);
  }
  if (state.status === "ended") return refuse("CONFLICT", "The call has ended.", requestId);
  if (!isPresent(state, userId)) {
    log({ event: "socket_refused", room: "call", reason: "not_joined", request_id: requestId }, "warn");
    return refuse("FORBIDDEN", "Join the call (POST /v1/calls/{id}/join) before opening its signaling socket.", requestId);
  }
  const pair = new WebSocketPair();
  const nowMs = Date.now();
  ctx.acceptWebSocket(pair[1], [userId]);
  pair[1].serializeAttachment({ userId, connectedMs: nowMs, seenMs: nowMs });
  send(pair[1], { type: "call_state", status: state.status, call: callView(state) });
  sendRoster(pair[1], state, userId);
  log({ event: "socket_open", room: "call", room_id: state.id, user_id: userId, request_id: requestId });
  await touch(state, userId);
  return new Response(null, { status: 101, webSocket: pair[0] });
}

/** A mute frame from a participant in the call: the room stores it, then tells the others. */
export interface MuteChange {
  userId: string;
  muted: { audio: boolean; video: boolean };
}

/**
 * One client frame. Never throws: anything wrong is an error frame and the socket stays open.
 * offer/answer/ice_candidate go only from a participant in the call to another participant in
 * the call, stamped with the sender's verified id (a client cannot choose `from_user_id`).
 * A valid `mute` is returned for the room to store (it needs the room's serial commit).
 */
export function handleSignalingFrame(ctx: DurableObjectState, state: CallState | null, ws: WebSocket, message: string | ArrayBuffer): MuteChange | null {
  const identity = identityOf(ws);
  if (!identity || !state) {
    closeSockets([ws], SIGNALING_CLOSE.unauthenticated, "unknown socket");
    return null;
  }
  const nowMs = Date.now();
  // Throttled so a chatty socket does not rewrite its attachment on every ICE candidate.
  if (nowMs - identity.seenMs > 10_000) ws.serializeAttachment({ ...identity, seenMs: nowMs });
  if (overBudget(ws, nowMs)) {
    sendError(ws, "RATE_LIMITED", `At most ${FRAME_BUDGET} frames per ${FRAME_WINDOW_MS / 1000} s; this one was dropped.`);
    return null;
  }
  const parsed = parseFrame(message);
  if (!parsed.ok) {
    sendError(ws, parsed.code, parsed.message);
    return null;
  }
  const frame = parsed.frame;
  switch (frame.type) {
    case "ping":
      send(ws, { type: "pong" });
      return null;
    case "offer":
    case "answer":
    case "ice_candidate":
      relay(ctx, state, ws, identity.userId, frame);
      return null;
    case "mute":
      if (isPresent(state, identity.userId)) return { userId: identity.userId, muted: { audio: frame.audio_muted, video: frame.video_muted } };
      sendError(ws, "FORBIDDEN", "You are not in this call.");
      return null;
    default:
      // Unreachable: parseFrame let only signalingClientFrameSchema's types through.
      assertNever(frame);
  }
}

/** offer/answer/ice_candidate from `from` to another participant who is in the call. */
function relay(ctx: DurableObjectState, state: CallState, ws: WebSocket, from: string, frame: RelayFrame): void {
  if (!isPresent(state, from)) {
    sendError(ws, "FORBIDDEN", "You are not in this call.");
    return;
  }
  if (frame.to_user_id === from || !isPresent(state, frame.to_user_id)) {
    log({ event: "call_refused", call_id: state.id, user_id: from, action: "relay", reason: "target_not_in_call" }, "warn");
    sendError(ws, "NOT_FOUND", "That user is not in this call.");
    return;
  }
  const targets = socketsOf(ctx, frame.to_user_id);
  if (targets.length === 0) {
    sendError(ws, "NOT_FOUND", "That participant has no signaling connection right now.");
    return;
  }
  for (const target of targets) {
    if (frame.type === "ice_candidate") send(target, { type: "ice_candidate", from_user_id: from, payload: frame.payload });
    else send(target, { type: frame.type, from_user_id: from, payload: frame.payload });
  }
}

/**
 * Per-socket frame budget (fixed window). Kept in memory only: after hibernation a socket starts
 * with a fresh window, which is harmless. Generous for trickle ICE (tens of candidates in a burst).
 */
const FRAME_BUDGET = 200;
const FRAME_WINDOW_MS = 10_000;
const budgets = new WeakMap<WebSocket, { windowStart: number; used: number }>();

function overBudget(ws: WebSocket, nowMs: number): boolean {
  const budget = budgets.get(ws);
  if (!budget || nowMs - budget.windowStart >= FRAME_WINDOW_MS) {
    budgets.set(ws, { windowStart: nowMs, used: 1 });
    return false;
  }
  budget.used += 1;
  return budget.used > FRAME_BUDGET;
}

/** A closed socket is a sign of life for the stale sweep's grace period. */
export async function touchParticipant(ctx: DurableObjectState, state: CallState | null, ws: WebSocket, code: number, touch: Touch): Promise<void> {
  const identity = identityOf(ws);
  if (!identity || !state) return;
  log({ event: "socket_close", room: "call", room_id: state.id, user_id: identity.userId, code });
  try {
    ws.close(1000, "closed");
  } catch {
    // Already closed.
  }
  if (isPresent(state, identity.userId) && socketsOf(ctx, identity.userId).every((s) => s === ws)) await touch(state, identity.userId);
}
