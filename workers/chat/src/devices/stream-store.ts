import { assertNever } from "../../../../lib/assert-never";
import { DEVICE_STREAM_LIMITS, type DeviceEvent } from "../../../../lib/contracts/device-stream";

type Counters = { last_pos: number; pruned_through: number; entries: number };

/**
 * The device's stream (tables from DEVICE_ROOM_MIGRATIONS). Positions come from `state.last_pos`,
 * so they only grow. Coalescing: a `conversation`, `read` or `details` event replaces the kept entry of the
 * same conversation (deleted, the new one gets a new position), so a resume carries each changed
 * conversation once. Pruning keeps at most `retainedEntries`, none older than `retentionMs`; it
 * runs on every append and before every resume, so no timer is needed (a device nobody writes to
 * keeps its few rows until it connects). Every step is a keyed or indexed statement: an append
 * reads no more rows than it replaces or prunes.
 */
export class StreamStore {
  constructor(private readonly sql: SqlStorage) {}

  /** The newest position handed out (0 for a new device). */
  get position(): number {
    return this.counters().last_pos;
  }

  /**
   * Whether a client that has seen everything up to `since` can resume from it: nothing after it
   * was pruned, and it is not ahead of this stream (a position from another device or a lost store).
   */
  canResume(since: number): boolean {
    const { last_pos, pruned_through } = this.counters();
    return since >= pruned_through && since <= last_pos;
  }

  /** The kept entries after `since`, oldest first, each as its `StreamEntry` JSON (read lazily). */
  *after(since: number): Generator<string> {
    for (const row of this.sql.exec<{ pos: number; event: string; at: number }>("SELECT pos, event, at FROM stream WHERE pos > ? ORDER BY pos", since)) {
      yield entryText(row);
    }
  }

  /**
   * Appends the events (the last one per coalescing key wins, also within this call), prunes, and
   * returns the new entries' JSON in position order.
   */
  append(events: readonly DeviceEvent[], now = Date.now()): string[] {
    const keys = events.map(coalesceKey);
    const last = new Map(keys.map((key, i) => [key, i]));
    const counters = this.counters();
    const added: { pos: number; event: string; at: number }[] = [];
    events.forEach((event, i) => {
      const key = keys[i] ?? null;
      if (key !== null && last.get(key) !== i) return;
      if (key !== null) counters.entries -= this.sql.exec("DELETE FROM stream WHERE coalesce_key = ? RETURNING pos", key).toArray().length;
      const row = { pos: ++counters.last_pos, event: JSON.stringify(event), at: now };
      this.sql.exec("INSERT INTO stream (pos, coalesce_key, event, at) VALUES (?, ?, ?, ?)", row.pos, key, row.event, row.at);
      counters.entries += 1;
      added.push(row);
    });
    const { pruned_through } = this.pruned(counters, now);
    return added.filter((row) => row.pos > pruned_through).map(entryText);
  }

  /** The kept `conversation` entry of this conversation, if any (the catch-up skips what the stream already has). */
  keptConversation(conversationId: string): { last_seq: number; last_read_seq: number } | null {
    const rows = this.sql
      .exec<{ last_seq: number; last_read_seq: number }>(
        "SELECT json_extract(event, '$.last_seq') AS last_seq, json_extract(event, '$.last_read_seq') AS last_read_seq FROM stream WHERE coalesce_key = ?",
        conversationKey(conversationId),
      )
      .toArray();
    return rows[0] ?? null;
  }

  /** The name the kept `details` entry of this conversation carries (undefined: none kept). */
  keptName(conversationId: string): string | null | undefined {
    const rows = this.sql
      .exec<{ name: string | null }>("SELECT json_extract(event, '$.name') AS name FROM stream WHERE coalesce_key = ?", detailsKey(conversationId))
      .toArray();
    return rows[0]?.name;
  }

  /** Whether a `membership` `added` entry of this conversation was appended at or after `sinceMs` (catch-up and live publish send it once). */
  hasAdded(conversationId: string, sinceMs: number): boolean {
    const query =
      "SELECT 1 FROM stream WHERE at >= ? AND coalesce_key IS NULL AND json_extract(event, '$.kind') = 'membership' AND json_extract(event, '$.change') = 'added' AND json_extract(event, '$.conversation_id') = ? LIMIT 1";
    return this.sql.exec(query, sinceMs, conversationId).toArray().length > 0;
  }

  /** Drops what is past the retention limits (before a resume is judged). */
  prune(now = Date.now()): void {
    this.pruned(this.counters(), now);
  }

  private pruned(counters: Counters, now: number): Counters {
    const dropped = this.sql.exec<{ pos: number }>("DELETE FROM stream WHERE at < ? RETURNING pos", now - DEVICE_STREAM_LIMITS.retentionMs).toArray();
    const excess = counters.entries - dropped.length - DEVICE_STREAM_LIMITS.retainedEntries;
    if (excess > 0) {
      dropped.push(
        ...this.sql.exec<{ pos: number }>("DELETE FROM stream WHERE pos IN (SELECT pos FROM stream ORDER BY pos LIMIT ?) RETURNING pos", excess).toArray(),
      );
    }
    const next = {
      last_pos: counters.last_pos,
      entries: counters.entries - dropped.length,
      pruned_through: Math.max(counters.pruned_through, ...dropped.map((row) => row.pos)),
    };
    this.sql.exec("UPDATE state SET last_pos = ?, entries = ?, pruned_through = ?", next.last_pos, next.entries, next.pruned_through);
    return next;
  }

  private counters(): Counters {
    return this.sql.exec<Counters>("SELECT last_pos, pruned_through, entries FROM state").one();
  }
}

const conversationKey = (conversationId: string) => `conversation:${conversationId}`;
const detailsKey = (conversationId: string) => `details:${conversationId}`;

/**
 * Conversation changes, reads and details coalesce per conversation, key_packages_low to its newest
 * count, a device change to that device's newest one; the other kinds are each kept.
 */
function coalesceKey(event: DeviceEvent): string | null {
  switch (event.kind) {
    case "conversation":
      return conversationKey(event.conversation_id);
    case "read":
      return `read:${event.conversation_id}`;
    case "details":
      return detailsKey(event.conversation_id);
    case "keys":
      return event.signal === "key_packages_low" ? "keys:key_packages_low" : null;
    case "devices":
      return `devices:${event.device_id}`;
    case "membership":
    case "call":
      return null;
    default:
      return assertNever(event);
  }
}

/** A StreamEntry's JSON from its row, without parsing the stored event again. */
function entryText(row: { pos: number; event: string; at: number }): string {
  return `{"pos":${row.pos},"at":${JSON.stringify(new Date(row.at).toISOString())},"event":${row.event}}`;
}
