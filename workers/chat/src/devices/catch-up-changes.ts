import type { DeviceEvent } from "../../../../lib/contracts/device-stream";
import { withDb, type ConversationListItem } from "../../../../lib/db";
import { markedForReader } from "../../../../lib/sender-blocked";
import { messagePreview } from "../rooms/device-events";
import type { StreamStore } from "./stream-store";

export const CATCH_UP_LIMITS = {
  /** Conversations per list page read from the database. */
  pageSize: 100,
  /** Pages at most: more changed conversations than pageSize × maxPages get a `reset` (the client reloads its list). */
  maxPages: 10,
  /**
   * Subtracted from the last disconnect: clock skew between the rooms (whose clock sets
   * last_activity_at) and this object. Nothing else is lost at that end: a room that still saw
   * the device online publishes into its stream, which the resume replays.
   */
  marginMs: 2_000,
  /** The repeat after a connect: the list view lags the rooms by up to ListSync's 5 s interval. */
  repeatAfterMs: 6_000,
} as const;

/**
 * The user's conversations with activity at or after `sinceMs` (the list view's last_activity_at,
 * which is the newest message's created_at, or the creation time), newest first. Null when more
 * changed than the pages cover.
 */
export async function changedConversations(env: ChatEnv, userId: string, sinceMs: number): Promise<ConversationListItem[] | null> {
  return withDb(env, async (db) => {
    const changed: ConversationListItem[] = [];
    let before: { lastActivityAt: string; id: string } | undefined;
    for (let page = 0; page < CATCH_UP_LIMITS.maxPages; page++) {
      const rows = await db.conversations.listForUser(userId, { limit: CATCH_UP_LIMITS.pageSize, ...(before ? { before } : {}) });
      for (const row of rows) {
        if (Date.parse(row.lastActivityAt) < sinceMs) return changed;
        changed.push(row);
      }
      const last = rows[rows.length - 1];
      if (!last || rows.length < CATCH_UP_LIMITS.pageSize) return changed;
      before = { lastActivityAt: last.lastActivityAt, id: last.id };
    }
    return null;
  });
}

/** Where a catch-up starts: conversation activity from `sinceMs`, joins from `joinedAfterMs` (earlier ones the device already knew). */
export type CatchUpBounds = { sinceMs: number; joinedAfterMs: number };

/**
 * One coalesced `conversation` entry per changed conversation (a `membership` `added` first where
 * the user joined after `joinedAfterMs`, and `details` with its name where it was renamed), oldest change
 * first, leaving out what the stream already holds: a kept entry with that last_seq or newer
 * (published live, or by an earlier catch-up), a kept `details` with that name.
 */
export function catchUpEvents(userId: string, changed: readonly ConversationListItem[], bounds: CatchUpBounds, stream: StreamStore): DeviceEvent[] {
  const events: DeviceEvent[] = [];
  for (const c of [...changed].reverse()) {
    const own = c.members.find((m) => m.userId === userId);
    if (own && Date.parse(own.joinedAt) >= bounds.joinedAfterMs && !stream.hasAdded(c.id, bounds.joinedAfterMs)) {
      events.push({ kind: "membership", conversation_id: c.id, change: "added", role: c.role });
    }
    // Newest activity that is no message (nor the creation) is a rename: its name, unless the stream holds it.
    // (The live rename reaches at most 20 devices per user and 200 users per lookup, cached 10 s.)
    if (wasRenamed(c) && stream.keptName(c.id) !== c.name) events.push({ kind: "details", conversation_id: c.id, change: "name", name: c.name });
    const last = c.lastMessage;
    if (c.lastMessageSeq === 0 || !last) continue;
    const kept = stream.keptConversation(c.id);
    if (kept && (kept.last_seq > c.lastMessageSeq || (kept.last_seq === c.lastMessageSeq && kept.last_read_seq >= c.lastReadSeq))) continue;
    const deleted = last["deleted"] === true;
    events.push({
      kind: "conversation",
      conversation_id: c.id,
      change: deleted ? "delete" : "message",
      last_seq: c.lastMessageSeq,
      // Marked as the room marks it live (device-fanout.ts) and the REST list does.
      last_message: markedForReader(messagePreview({ ...last, ciphertext: last.ciphertext ?? null, deleted }), c.lastMessageSenderBlocked),
      last_read_seq: Math.min(c.lastReadSeq, c.lastMessageSeq),
    });
  }
  return events;
}

/** A rename is the only activity newer than both the last message and the creation (conversations-repository.ts `rename`). */
function wasRenamed(c: ConversationListItem): boolean {
  if (c.type !== "group" || c.name === null) return false;
  const activity = Date.parse(c.lastActivityAt);
  const lastMessageAt = c.lastMessage ? Date.parse(c.lastMessage.created_at) : 0;
  return activity > Date.parse(c.createdAt) && activity > lastMessageAt;
}
