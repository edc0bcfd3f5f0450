import { DEVICE_STREAM_LIMITS, type MailboxEntry } from "../../../../lib/contracts/device-stream";
import { newId } from "../../../../lib/ids";

type MailboxRow = { id: string; from_user_id: string; from_device_id: string; payload: string; created_at: string };

/**
 * The device's mailbox (table from DEVICE_ROOM_MIGRATIONS): opaque payloads from other devices,
 * kept until this device acknowledges them, in arrival order. At most `maxMailboxEntries`: a full
 * mailbox refuses new entries rather than dropping old ones (nothing acknowledged is ever lost).
 */
export class MailboxStore {
  constructor(private readonly sql: SqlStorage) {}

  /** Stores one entry; null when the mailbox is full. */
  add(from: { userId: string; deviceId: string }, payload: string, now = Date.now()): MailboxEntry | null {
    const held = this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM mailbox").one().n;
    if (held >= DEVICE_STREAM_LIMITS.maxMailboxEntries) return null;
    const entry: MailboxEntry = { id: newId(now), from_user_id: from.userId, from_device_id: from.deviceId, payload, created_at: new Date(now).toISOString() };
    this.sql.exec(
      "INSERT INTO mailbox (id, from_user_id, from_device_id, payload, created_at) VALUES (?, ?, ?, ?, ?)",
      entry.id,
      entry.from_user_id,
      entry.from_device_id,
      entry.payload,
      entry.created_at,
    );
    return entry;
  }

  /** The oldest `limit` entries, and whether more are held. */
  list(limit: number): { entries: MailboxEntry[]; hasMore: boolean } {
    const rows = this.sql
      .exec<MailboxRow>("SELECT id, from_user_id, from_device_id, payload, created_at FROM mailbox ORDER BY rowid LIMIT ?", limit + 1)
      .toArray();
    return { entries: rows.slice(0, limit), hasMore: rows.length > limit };
  }

  /** Every entry's JSON, oldest first, read lazily (a full mailbox of large payloads is ~96 MiB). */
  *texts(): Generator<string> {
    for (const row of this.sql.exec<MailboxRow>("SELECT id, from_user_id, from_device_id, payload, created_at FROM mailbox ORDER BY rowid")) {
      yield JSON.stringify(row);
    }
  }

  /** Deletes the acknowledged entries; unknown (or already deleted) ids are ignored. Returns how many went. */
  ack(ids: readonly string[]): number {
    let deleted = 0;
    for (const id of new Set(ids)) deleted += this.sql.exec("DELETE FROM mailbox WHERE id = ? RETURNING id", id).toArray().length;
    return deleted;
  }
}
