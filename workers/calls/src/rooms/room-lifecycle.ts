import { SIGNALING_CLOSE } from "../../../../lib/contracts/call-frames";
import type { CallView } from "../../../../lib/contracts/calls";
import { AppError } from "../../../../lib/errors";
import { withDb } from "../../../../lib/db";
import { log } from "../../../../lib/log";
import { durableObjectByName } from "../../../../lib/rpc";
import type { CallType } from "../../../../lib/db/rows";
import { closeLeftoverTracks } from "../sfu/sfu-cleanup";
import { callView, endCall, isOneToOne, pendingUserIds, presentUserIds, reasonOnLastLeave, type CallState, type EndReason } from "./call-state";
import { callMetric } from "./room-metrics";
import { notifyMembers } from "./room-notify";
import { persistActive, persistCreated, persistEnded, persistParticipant } from "./room-persist";
import { requireMayEnd, requireOpen, requirePresent } from "./room-rules";
import { recordSfu, staleParticipants } from "./room-sfu";
import { broadcast, closeSockets, send, socketsOf } from "./room-sockets";
import { announceTracks } from "./room-tracks";

/** What a transition needs from its room: bindings, the sockets, and the one way to store state. */
export interface RoomDeps {
  env: CallsEnv;
  ctx: DurableObjectState;
  commit(state: CallState): Promise<void>;
}

export interface StartCall {
  callId: string;
  conversationId: string;
  type: CallType;
  initiatorId: string;
  memberIds: string[];
  ringTimeoutSeconds: number;
  requestId: string;
}

/*
 * Each transition takes a private copy of the state, writes the call log, commits, and only then
 * tells anybody (sockets, chat, push): what people are told is always what is stored.
 */

export async function startCall(deps: RoomDeps, input: StartCall): Promise<CallView> {
  const nowMs = Date.now();
  const now = new Date(nowMs).toISOString();
  const state: CallState = {
    id: input.callId,
    conversationId: input.conversationId,
    type: input.type,
    initiatorId: input.initiatorId,
    status: "ringing",
    createdAt: now,
    startedAt: null,
    endedAt: null,
    endReason: null,
    durationSeconds: null,
    ringDeadlineMs: nowMs + input.ringTimeoutSeconds * 1000,
    participants: {},
    sfuSessions: {},
    meetingId: null,
  };
  for (const userId of new Set([input.initiatorId, ...input.memberIds])) {
    const initiator = userId === input.initiatorId;
    state.participants[userId] = { outcome: initiator ? "joined" : "pending", joinedAt: initiator ? now : null, leftAt: null, lastSeenMs: nowMs };
  }
  await persistCreated(deps.env, state);
  await deps.commit(state);
  log({ event: "call_state", call_id: state.id, status: "ringing", request_id: input.requestId });
  callMetric(deps.env, "started", state);
  await notifyMembers(deps.env, { requestId: input.requestId }, state, "incoming", pendingUserIds(state));
  return callView(state);
}

/** Who acted, from which device (the token's `did`; absent for tokens minted before devices). */
export interface Actor {
  userId: string;
  deviceId?: string;
}

/**
 * Answer. A user already in the call answering again (another device) takes it over: their
 * earlier signaling sockets get `answered_elsewhere` and are closed.
 */
export async function joinCall(deps: RoomDeps, state: CallState, { userId, deviceId }: Actor, requestId: string): Promise<CallView> {
  requireOpen(state);
  // Invited at initiate, but removed from the conversation since: the invitation is void.
  const membership = await deps.env.CHAT.isMember({ requestId, userId }, { conversationId: state.conversationId, userId });
  if (!membership.ok) throw AppError.from(membership.error);
  // A current member who was not invited was added since: direct conversations never gain members,
  // so this is a group (of two, maybe, when the call started) and they join as a late invitee.
  if (!membership.value.member) throw new AppError("NOT_FOUND", "No such call.");
  const p = state.participants[userId] ?? (await addLateInvitee(deps, state, userId));
  const earlierSockets = socketsOf(deps.ctx, userId);
  const now = new Date().toISOString();
  const wasPresent = p.outcome === "joined" && p.leftAt === null;
  if (!wasPresent) {
    p.outcome = "joined";
    p.joinedAt = p.joinedAt ?? now;
    p.leftAt = null;
    p.lastSeenMs = Date.now();
    await persistParticipant(deps.env, state, userId, { outcome: "joined", joinedAt: p.joinedAt, leftAt: null });
  }
  const activates = state.status === "ringing" && userId !== state.initiatorId;
  if (activates) {
    state.status = "active";
    state.startedAt = now;
    await persistActive(deps.env, state, now);
  }
  await deps.commit(state);
  for (const ws of earlierSockets) send(ws, { type: "answered_elsewhere", call_id: state.id });
  closeSockets(earlierSockets, SIGNALING_CLOSE.answeredElsewhere, "answered elsewhere");
  if (!wasPresent) {
    log({ event: "call_participant", call_id: state.id, user_id: userId, action: "joined", request_id: requestId });
    broadcast(deps.ctx, { type: "participant_joined", user_id: userId }, userId);
  }
  if (activates) announceState(deps, state, requestId);
  // The user's other devices stop ringing (the answering one knows).
  await notifyMembers(deps.env, { requestId, userId }, state, "answered_elsewhere", [userId], deviceId);
  return callView(state);
}

/** A member added to the group after the call started (rung on add by the chat worker) joins as an invitee. */
async function addLateInvitee(deps: RoomDeps, state: CallState, userId: string): Promise<CallState["participants"][string]> {
  await withDb(deps.env, (db) => db.calls.addParticipant(state.id, userId));
  const p = { outcome: "pending" as const, joinedAt: null, leftAt: null, lastSeenMs: Date.now() };
  state.participants[userId] = p;
  return p;
}

/**
 * 1:1: the callee's decline ends the call. Group: recorded; the call ends only if nobody is left to
 * answer. Either way the caller and the decliner's other devices hear `declined` first.
 */
export async function declineCall(deps: RoomDeps, state: CallState, actor: Actor, requestId: string): Promise<CallView> {
  const { userId } = actor;
  requireOpen(state);
  const p = state.participants[userId];
  if (!p || p.outcome !== "pending") throw new AppError("CONFLICT", "Only a ringing invitation can be declined.");
  p.outcome = "declined";
  await persistParticipant(deps.env, state, userId, { outcome: "declined" }, ["pending"]);
  log({ event: "call_participant", call_id: state.id, user_id: userId, action: "declined", request_id: requestId });
  const othersLeft = pendingUserIds(state).length > 0 || presentUserIds(state).some((id) => id !== state.initiatorId);
  if (isOneToOne(state) || (state.status === "ringing" && !othersLeft)) return finishCall(deps, state, "declined", requestId, actor);
  await deps.commit(state);
  await notifyDeclined(deps, state, actor, requestId);
  return callView(state);
}

async function notifyDeclined(deps: RoomDeps, state: CallState, { userId, deviceId }: Actor, requestId: string): Promise<void> {
  await notifyMembers(deps.env, { requestId, userId }, state, "declined", [state.initiatorId, userId], deviceId);
}

/** Hang up for everyone (idempotent once ended). */
export async function endCallBy(deps: RoomDeps, state: CallState, userId: string, requestId: string): Promise<CallView> {
  if (state.status === "ended") return callView(state);
  requireMayEnd(state, userId);
  // Before anybody answered, hanging up is a cancel (the callees missed it) in any call.
  const reason = isOneToOne(state) || !state.startedAt ? reasonOnLastLeave(state) : "ended_by_initiator";
  return finishCall(deps, state, reason, requestId);
}

/** Leave (or be swept): 1:1 calls end; group calls end with the last participant. */
export async function departCall(deps: RoomDeps, state: CallState, userId: string, why: "left" | "swept", requestId: string): Promise<CallView> {
  if (state.status === "ended") return callView(state);
  requirePresent(state, userId, "leave");
  const p = state.participants[userId];
  const now = new Date().toISOString();
  if (p) p.leftAt = now;
  await persistParticipant(deps.env, state, userId, { leftAt: now });
  log({ event: "call_participant", call_id: state.id, user_id: userId, action: why, request_id: requestId });
  closeSockets(socketsOf(deps.ctx, userId), SIGNALING_CLOSE.left, why);
  const { changes, leftovers } = recordSfu(state, userId, { kind: "forget_user" });
  announceTracks(deps.ctx, userId, changes);
  broadcast(deps.ctx, { type: "participant_left", user_id: userId }, userId);
  await closeLeftoverTracks(deps.env, leftovers, requestId);
  if (isOneToOne(state) || presentUserIds(state).length === 0) return finishCall(deps, state, reasonOnLastLeave(state), requestId);
  await deps.commit(state);
  return callView(state);
}

/** The ring deadline: a call still ringing ends unanswered; in an active call the non-joiners are missed. */
export async function ringTimeout(deps: RoomDeps, state: CallState, requestId: string): Promise<void> {
  if (state.status === "ringing") {
    await finishCall(deps, state, "no_answer", requestId);
    return;
  }
  const missed = pendingUserIds(state);
  for (const userId of missed) {
    const p = state.participants[userId];
    if (p) p.outcome = "missed";
    await persistParticipant(deps.env, state, userId, { outcome: "missed" }, ["pending"]);
    log({ event: "call_participant", call_id: state.id, user_id: userId, action: "missed", request_id: requestId });
  }
  await deps.commit(state);
  await notifyMembers(deps.env, { requestId }, state, "missed", missed);
}

/** Removes participants with no sign of life (see `staleParticipants`); re-arms the next sweep. */
export async function sweepCall(deps: RoomDeps, state: CallState, requestId: string): Promise<void> {
  const stale = staleParticipants(deps.ctx, state, Date.now());
  for (const userId of stale) {
    const after = await departCall(deps, state, userId, "swept", requestId);
    if (after.status === "ended") return;
  }
  if (stale.length === 0) await deps.commit(state);
}

/** `declinedBy`: the decline that ended it, told before `ended`. */
async function finishCall(deps: RoomDeps, state: CallState, reason: EndReason, requestId: string, declinedBy?: Actor): Promise<CallView> {
  const now = new Date().toISOString();
  const sfuLeftovers = Object.entries(state.sfuSessions).map(([sessionId, s]) => ({ sessionId, mids: s.mids }));
  const missed = endCall(state, reason, now);
  state.sfuSessions = {};
  await persistEnded(deps.env, state, reason, now);
  await deps.commit(state);
  log({ event: "call_state", call_id: state.id, status: "ended", reason, request_id: requestId });
  callMetric(deps.env, "ended", state);
  announceState(deps, state, requestId);
  closeSockets(socketsOf(deps.ctx), SIGNALING_CLOSE.ended, "call ended");
  const line = durableObjectByName(deps.env.CALL_ROOM, `line:${state.conversationId}`);
  await line.releaseLine(state.id);
  if (declinedBy) await notifyDeclined(deps, state, declinedBy, requestId);
  await notifyMembers(deps.env, { requestId }, state, "ended", Object.keys(state.participants));
  await notifyMembers(deps.env, { requestId }, state, "missed", missed);
  await closeLeftoverTracks(deps.env, sfuLeftovers, requestId);
  return callView(state);
}

function announceState(deps: RoomDeps, state: CallState, requestId: string): void {
  if (state.status !== "ended") log({ event: "call_state", call_id: state.id, status: state.status, request_id: requestId });
  broadcast(deps.ctx, { type: "call_state", status: state.status, call: callView(state) });
}
