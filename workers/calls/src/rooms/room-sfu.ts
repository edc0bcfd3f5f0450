import type { CallState } from "./call-state";
import { isPresent } from "./call-state";
import { requireOpen, requireOwnSession, requirePresent, requirePullable } from "./room-rules";
import { identityOf, lastActivityMs, socketsOf } from "./room-sockets";
import { STALE_AFTER_MS } from "./call-state";

/** What the proxy asks before calling Cloudflare. */
export type SfuCheck = { kind: "new_session" } | { kind: "session"; sessionId: string; remoteSessionIds: string[] };

/** What the proxy records after Cloudflare said yes. */
export type SfuRecord =
  | { kind: "session_created"; sessionId: string }
  | { kind: "tracks_added"; sessionId: string; mids: string[] }
  | { kind: "tracks_closed"; sessionId: string; mids: string[] }
  | { kind: "forget_user" };

export function sfuCheck(state: CallState, userId: string, check: SfuCheck): void {
  requireOpen(state);
  requirePresent(state, userId, "sfu");
  if (check.kind === "session") {
    requireOwnSession(state, userId, check.sessionId);
    requirePullable(state, userId, check.remoteSessionIds);
  }
}

/**
 * Applies a record to the state. `forget_user` drops the user's sessions (nobody can pull from
 * them any more) and returns their open tracks so the caller can force-close them at the SFU.
 */
export function recordSfu(state: CallState, userId: string, record: SfuRecord): { sessionId: string; mids: string[] }[] {
  switch (record.kind) {
    case "session_created":
      state.sfuSessions[record.sessionId] = { userId, mids: [] };
      return [];
    case "tracks_added": {
      const session = state.sfuSessions[record.sessionId];
      if (session && session.userId === userId) session.mids = [...new Set([...session.mids, ...record.mids])];
      return [];
    }
    case "tracks_closed": {
      const session = state.sfuSessions[record.sessionId];
      if (session && session.userId === userId) session.mids = session.mids.filter((mid) => !record.mids.includes(mid));
      return [];
    }
    case "forget_user": {
      const leftovers: { sessionId: string; mids: string[] }[] = [];
      for (const [sessionId, session] of Object.entries(state.sfuSessions)) {
        if (session.userId !== userId) continue;
        if (session.mids.length > 0) leftovers.push({ sessionId, mids: session.mids });
        delete state.sfuSessions[sessionId];
      }
      return leftovers;
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
