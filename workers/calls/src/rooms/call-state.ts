import type { CallView } from "../../../../lib/contracts/calls";
import type { CallStatus, CallType, ParticipantOutcome } from "../../../../lib/db/rows";

/** What the room keeps about one invited member. */
export interface ParticipantState {
  outcome: ParticipantOutcome;
  joinedAt: string | null;
  leftAt: string | null;
  /** Last sign of life (join, socket open/message/close), for the stale sweep. */
  lastSeenMs: number;
  /** What the participant last said over signaling (`mute` frame); absent until they say. */
  muted?: { audio: boolean; video: boolean };
}

/** A track a participant published on their SFU session: others pull it by session id and name. */
export interface RoomTrack {
  mid: string;
  trackName: string;
  kind: "audio" | "video";
}

/** One SFU session the proxy created, and the tracks (by mid, published or pulled) open on it. */
export interface SfuSessionState {
  userId: string;
  mids: string[];
  /** The published ones among them (absent in rooms stored before track discovery). */
  published?: RoomTrack[];
}

/** The room's whole state, stored under one key (small: a call has at most a group's members). */
export interface CallState {
  id: string;
  conversationId: string;
  type: CallType;
  initiatorId: string;
  status: CallStatus;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
  endReason: string | null;
  durationSeconds: number | null;
  ringDeadlineMs: number;
  participants: Record<string, ParticipantState>;
  sfuSessions: Record<string, SfuSessionState>;
  meetingId: string | null;
}

export type EndReason = "completed" | "declined" | "cancelled" | "no_answer" | "ended_by_initiator" | "ended";

export function callView(state: CallState): CallView {
  return {
    id: state.id,
    conversation_id: state.conversationId,
    type: state.type,
    status: state.status,
    initiator_id: state.initiatorId,
    participants: Object.entries(state.participants)
      .map(([userId, p]) => ({ user_id: userId, joined_at: p.joinedAt, left_at: p.leftAt, outcome: p.outcome }))
      .sort((a, b) => (a.user_id < b.user_id ? -1 : 1)),
    created_at: state.createdAt,
    started_at: state.startedAt,
    ended_at: state.endedAt,
    duration_seconds: state.durationSeconds,
    end_reason: state.endReason,
  };
}

/** Two invitees: hung up by either side, declined by the callee. A two-member group behaves the same. */
export function isOneToOne(state: CallState): boolean {
  return Object.keys(state.participants).length <= 2;
}

/** In the call right now: joined and not (yet) left. */
export function presentUserIds(state: CallState): string[] {
  return Object.entries(state.participants)
    .filter(([, p]) => p.outcome === "joined" && p.leftAt === null)
    .map(([userId]) => userId);
}

export function pendingUserIds(state: CallState): string[] {
  return Object.entries(state.participants)
    .filter(([, p]) => p.outcome === "pending")
    .map(([userId]) => userId);
}

export function isPresent(state: CallState, userId: string): boolean {
  const p = state.participants[userId];
  return p !== undefined && p.outcome === "joined" && p.leftAt === null;
}

/**
 * Ends the call in memory: pending invitees are missed, present ones leave now, duration runs
 * from the moment the second person joined. Returns who missed it.
 */
export function endCall(state: CallState, reason: EndReason, now: string): string[] {
  const missed = pendingUserIds(state);
  for (const userId of missed) {
    const p = state.participants[userId];
    if (p) p.outcome = "missed";
  }
  for (const userId of presentUserIds(state)) {
    const p = state.participants[userId];
    if (p) p.leftAt = now;
  }
  state.status = "ended";
  state.endedAt = now;
  state.endReason = reason;
  state.durationSeconds = state.startedAt ? Math.max(0, Math.round((Date.parse(now) - Date.parse(state.startedAt)) / 1000)) : null;
  return missed;
}

/** Why a call ends when its last (1:1: either) participant leaves. */
export function reasonOnLastLeave(state: CallState): EndReason {
  return state.startedAt ? "completed" : "cancelled";
}

/** The next timer: the ring deadline while someone is pending, a sweep while active, cleanup after the end. */
export type TimerKind = "ring" | "sweep" | "cleanup";
export const SWEEP_INTERVAL_MS = 30_000;
export const STALE_AFTER_MS = 90_000;
export const CLEANUP_AFTER_MS = 60 * 60 * 1000;

export function nextTimer(state: CallState, nowMs: number): { kind: TimerKind; at: number } {
  if (state.status === "ended") return { kind: "cleanup", at: Date.parse(state.endedAt ?? new Date(nowMs).toISOString()) + CLEANUP_AFTER_MS };
  if (pendingUserIds(state).length > 0) return { kind: "ring", at: state.ringDeadlineMs };
  return { kind: "sweep", at: nowMs + SWEEP_INTERVAL_MS };
}
