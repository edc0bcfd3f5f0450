import { AppError } from "../../../../lib/errors";
import { log } from "../../../../lib/log";
import { isOneToOne, isPresent, type CallState, type SfuSessionState } from "./call-state";

/**
 * The room's admission rules, one place: who may see, join, decline, leave, end, and use the SFU.
 * Invitees are the conversation's members at initiate time; anybody else gets NOT_FOUND (the
 * call's existence is not revealed), like everywhere else in the API.
 */
export function requireInvitee(state: CallState | null, userId: string, action: string): CallState {
  if (!state || !state.participants[userId]) {
    if (state) log({ event: "call_refused", call_id: state.id, user_id: userId, action, reason: "not_invited" }, "warn");
    throw new AppError("NOT_FOUND", "No such call.");
  }
  return state;
}

export function requireOpen(state: CallState): void {
  if (state.status === "ended") throw new AppError("CONFLICT", "The call has ended.");
}

export function requirePresent(state: CallState, userId: string, action: string): void {
  if (!isPresent(state, userId)) {
    log({ event: "call_refused", call_id: state.id, user_id: userId, action, reason: "not_in_call" }, "warn");
    throw new AppError("FORBIDDEN", "Join the call first.");
  }
}

/** 1:1: either side present may hang up for both. Group: only the initiator ends it for everyone. */
export function requireMayEnd(state: CallState, userId: string): void {
  const allowed = isOneToOne(state) ? isPresent(state, userId) : userId === state.initiatorId;
  if (!allowed) {
    log({ event: "call_refused", call_id: state.id, user_id: userId, action: "end", reason: "not_allowed" }, "warn");
    throw new AppError("FORBIDDEN", isOneToOne(state) ? "Decline the call instead." : "Only the caller can end a group call; leave it instead.");
  }
}

/** An SFU session is locked to the participant who created it through us. */
export function requireOwnSession(state: CallState, userId: string, sessionId: string): SfuSessionState {
  const session = state.sfuSessions[sessionId];
  if (!session) throw new AppError("NOT_FOUND", "No such media session in this call.");
  if (session.userId !== userId) {
    log({ event: "call_refused", call_id: state.id, user_id: userId, action: "sfu_session", reason: "not_owner" }, "warn");
    throw new AppError("FORBIDDEN", "That media session belongs to another participant.");
  }
  return session;
}

/**
 * Pulling a remote track is allowed only from a session created through this call's proxy by a
 * participant who is still in the call (a session id from another call, or made up, is refused),
 * and only a track that session published (rooms stored before discovery kept no names: any).
 */
export function requirePullable(state: CallState, userId: string, pulls: readonly { sessionId: string; trackName: string }[]): void {
  for (const { sessionId, trackName } of pulls) {
    const session = state.sfuSessions[sessionId];
    if (session === undefined || !isPresent(state, session.userId)) {
      log({ event: "call_refused", call_id: state.id, user_id: userId, action: "sfu_pull", reason: "foreign_session" }, "warn");
      throw new AppError("FORBIDDEN", "Tracks can only be pulled from participants of this call.");
    }
    if (session.published && !session.published.some((t) => t.trackName === trackName)) {
      log({ event: "call_refused", call_id: state.id, user_id: userId, action: "sfu_pull", reason: "unknown_track" }, "warn");
      throw new AppError("NOT_FOUND", "That participant publishes no track of that name.");
    }
  }
}
