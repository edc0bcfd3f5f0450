import type { CallState, RoomTrack } from "./call-state";
import { isPresent, STALE_AFTER_MS } from "./call-state";
import { requireOpen, requireOwnSession, requirePresent, requirePullable } from "./room-rules";
import { identityOf, lastActivityMs, socketsOf } from "./room-sockets";

/** A remote track a participant asks to pull: the publisher's session and the track's name. */
export interface SfuPull {
  sessionId: string;
  trackName: string;
}

/** What the proxy asks before calling Cloudflare. */
export type SfuCheck = { kind: "new_session" } | { kind: "session"; sessionId: string; pulls: SfuPull[] };

/** What the proxy records after Cloudflare said yes: every mid now open, and which of them were published. */
export type SfuRecord =
  | { kind: "session_created"; sessionId: string }
  | { kind: "tracks_added"; sessionId: string; mids: string[]; published: RoomTrack[] }
  | { kind: "tracks_closed"; sessionId: string; mids: string[] }
  | { kind: "forget_user" };

/** Published tracks a record added or removed on one session (what the other participants are told). */
export interface TrackChange {
  sessionId: string;
  added: RoomTrack[];
  removed: RoomTrack[];
}

/** A record's effect: track changes to announce, and (forget_user) mids still open at the SFU, to force-close. */
export interface SfuEffect {
  changes: TrackChange[];
  leftovers: { sessionId: string; mids: string[] }[];
}

export function sfuCheck(state: CallState, userId: string, check: SfuCheck): void {
  requireOpen(state);
  requirePresent(state, userId, "sfu");
  if (check.kind === "session") {
    requireOwnSession(state, userId, check.sessionId);
    requirePullable(state, userId, check.pulls);
  }
}

/** Applies a record to the state. `forget_user` drops the user's sessions: nobody can pull from them any more. */
export function recordSfu(state: CallState, userId: string, record: SfuRecord): SfuEffect {
  const none: SfuEffect = { changes: [], leftovers: [] };
  switch (record.kind) {
    case "session_created":
      state.sfuSessions[record.sessionId] = { userId, mids: [], published: [] };
      return none;
    case "tracks_added": {
      const session = state.sfuSessions[record.sessionId];
      if (!session || session.userId !== userId) return none;
      const newMids = new Set(record.published.map((t) => t.mid));
      session.mids = [...new Set([...session.mids, ...record.mids])];
      session.published = [...(session.published ?? []).filter((t) => !newMids.has(t.mid)), ...record.published];
      return { changes: [{ sessionId: record.sessionId, added: record.published, removed: [] }], leftovers: [] };
    }
    case "tracks_closed": {
      const session = state.sfuSessions[record.sessionId];
      if (!session || session.userId !== userId) return none;
      const published = session.published ?? [];
      session.mids = session.mids.filter((mid) => !record.mids.includes(mid));
      session.published = published.filter((t) => !record.mids.includes(t.mid));
      const removed = published.filter((t) => record.mids.includes(t.mid));
      return { changes: [{ sessionId: record.sessionId, added: [], removed }], leftovers: [] };
    }
    case "forget_user": {
      const effect: SfuEffect = { changes: [], leftovers: [] };
      for (const [sessionId, session] of Object.entries(state.sfuSessions)) {
        if (session.userId !== userId) continue;
        if (session.mids.length > 0) effect.leftovers.push({ sessionId, mids: session.mids });
        effect.changes.push({ sessionId, added: [], removed: session.published ?? [] });
        delete state.sfuSessions[sessionId];
      }
      return effect;
    }
  }
}

/**
 * Participants in the call with no sign of life for STALE_AFTER_MS: no socket that answered a
 * ping or sent a frame lately, and no join/socket event since. Their silent sockets are stale too.
 */
export function staleParticipants(ctx: DurableObjectState, state: CallState, nowMs: number): string[] {
  if (state.status === "ended") return [];
  const stale: string[] = [];
  for (const [userId, p] of Object.entries(state.participants)) {
    if (!isPresent(state, userId)) continue;
    let seen = p.lastSeenMs;
    for (const ws of socketsOf(ctx, userId)) {
      const identity = identityOf(ws);
      if (identity) seen = Math.max(seen, lastActivityMs(ctx, ws, identity));
    }
    if (nowMs - seen > STALE_AFTER_MS) stale.push(userId);
  }
  return stale;
}
