import type { LastMessage } from "../../../../lib/db";
import { withDb } from "../../../../lib/db";
import { describeError, log } from "../../../../lib/log";
import type { MessageView } from "../../../../lib/contracts/chat";
import type { MessageStore } from "./message-store";
import type { RoomAlarms } from "./room-alarms";
import type { RoomMembers } from "./room-members";

/** If a copy fails (or the room is evicted mid-copy), the alarm retries after this long. */
const RETRY_MS = 5_000;
/**
 * At most one copy per this interval, across busy periods: the first change after a quiet spell is
 * copied at once, later ones may lag by up to this much, and a busy room costs one batched database
 * round trip per interval instead of one per message (or per pause between messages). Measured in
 * bench/RESULTS.md (fan-out): copies that restarted whenever a copy saw no new message ran back to
 * back and held the room's p50 near a D1 round trip; at 1 s, each copy still showed in the p99.
 */
const MIN_COPY_INTERVAL_MS = 5_000;

/**
 * Copies the room's state into the database rows the conversation list reads
 * (conversations.last_message / last_message_seq / last_activity_at, members.last_read_seq), off the
 * send path.
 *
 * Why it converges:
 *   - Every write is a monotonic max in the database (`syncListView`: a `newer` summary applies only
 *     when its seq is greater; watermarks only move forward), so late, repeated or reordered writes
 *     are harmless.
 *   - What still has to be copied is derived from durable room state, not from memory: the room's
 *     newest seq vs. `summary_synced_seq` in its meta table, and per member `last_read_seq` vs.
 *     `read_synced_seq`. A copy that never happened (crash, eviction, D1 error) is found again.
 *   - At most one copy runs at a time, at most one per MIN_COPY_INTERVAL_MS, and it loops until
 *     nothing is left, so a burst of N messages costs one batched write per interval, not N. A
 *     safety alarm is armed before each copy and cleared only when everything is copied, so a room
 *     evicted mid-copy retries on its own.
 *   - unread_count = last_message_seq − the member's last_read_seq. Senders have read their own
 *     messages: each copy advances every sender's watermark to their newest message in the range.
 *   - Edits/deletes of the newest message are copied as a `current` summary (flag
 *     `summary_dirty_edit`), which applies only while that message is still the last one.
 */
export class ListSync {
  private running = false;
  private again = false;
  /** When the last copy started (memory only: after a restart the first copy may run at once). */
  private lastCopyAt = 0;

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly env: ChatEnv,
    private readonly store: MessageStore,
    private readonly members: RoomMembers,
    private readonly alarms: RoomAlarms,
  ) {}

  /** Call after any change the list view shows. Never blocks the caller. */
  schedule(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    this.ctx.waitUntil(this.run());
  }

  markEdited(seq: number): void {
    if (seq === this.store.lastSeq) this.members.setMeta("summary_dirty_edit", "1");
    this.schedule();
  }

  private async run(): Promise<void> {
    try {
      do {
        // Re-armed for every copy, so a room evicted mid-copy (or mid-wait) retries on its own.
        await this.alarms.want("list_sync", Date.now() + MIN_COPY_INTERVAL_MS + RETRY_MS);
        await sleep(this.lastCopyAt + MIN_COPY_INTERVAL_MS - Date.now());
        // Cleared just before the copy reads the room's state: anything later needs another copy.
        this.again = false;
        this.lastCopyAt = Date.now();
        await this.copyOnce();
      } while (this.again);
      await this.alarms.clear("list_sync");
    } catch (err) {
      // The armed alarm retries; the data still to copy is durable.
      log({ event: "unhandled_error", where: "chat.list_sync", error: describeError(err) }, "warn");
    } finally {
      this.running = false;
    }
  }

  private async copyOnce(): Promise<void> {
    const identity = this.members.known;
    if (!identity) return;
    const synced = Number(this.members.getMeta("summary_synced_seq") ?? "0");
    const last = this.store.lastSeq;
    const dirtyEdit = this.members.getMeta("summary_dirty_edit") === "1";
    if (last > synced) {
      for (const { senderId, seq } of this.store.newestBySenderAfter(synced)) this.members.advanceRead(senderId, seq);
    }
    const reads = this.members.unsyncedReads();
    if (last <= synced && !dirtyEdit && reads.length === 0) return;
    const newest = last > 0 ? this.store.get(last) : null;
    const lastMessage =
      newest && (last > synced || dirtyEdit)
        ? { message: lastMessageSummary(newest), mode: last > synced ? ("newer" as const) : ("current" as const) }
        : undefined;
    await withDb(this.env, (db) => db.conversations.syncListView(identity.conversationId, { ...(lastMessage ? { lastMessage } : {}), reads }));
    // Only what was copied is marked; anything newer stays for the next loop.
    if (last > synced) this.members.setMeta("summary_synced_seq", String(last));
    if (dirtyEdit && this.store.lastSeq === last) this.members.setMeta("summary_dirty_edit", "0");
    for (const { userId, seq } of reads) this.members.markReadSynced(userId, seq);
  }
}

function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}

/** The list-view summary: never ciphertext (the list shows "encrypted message"), never attachments. */
export function lastMessageSummary(m: MessageView): LastMessage {
  return {
    id: m.id,
    seq: m.seq,
    sender_id: m.sender_id,
    content_type: m.content_type,
    body: m.body === null ? null : m.body.slice(0, 200),
    ciphertext: null,
    created_at: m.created_at,
    deleted: m.deleted,
    encrypted: m.ciphertext !== null,
  };
}
