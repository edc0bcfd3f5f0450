import type { ConversationEncryption } from "../../../../lib/contracts/mls";
import type { ConversationType, MemberRole } from "../../../../lib/db";
import { AppError } from "../../../../lib/errors";

/**
 * The room's copy of its conversation's identity and members. The database is the source of truth;
 * ChatService pushes the full member list after every membership change (`replace`, idempotent), and
 * a room that has never been told loads it from the database once. Keeping the copy here means a
 * WebSocket send is authorised without a database round trip.
 *
 * Per member the room also keeps the read watermark (`last_read_seq`, forward only) and how far it
 * has been copied to the database (`read_synced_seq`), so the async copy converges after restarts.
 * The tables are created by CONVERSATION_ROOM_MIGRATIONS (conversation-room-migrations.ts).
 */
export type RoomMember = { userId: string; role: MemberRole };
export type RoomIdentity = { conversationId: string; type: ConversationType; encryption: ConversationEncryption };

export class RoomMembers {
  private cache: Map<string, MemberRole> | undefined;
  private identity: RoomIdentity | undefined;

  constructor(private readonly sql: SqlStorage) {}

  getMeta(key: string): string | null {
    return this.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = ?", key).toArray()[0]?.value ?? null;
  }

  setMeta(key: string, value: string): void {
    this.sql.exec("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", key, value);
  }

  deleteMeta(key: string): void {
    this.sql.exec("DELETE FROM meta WHERE key = ?", key);
  }

  /** Who this room is, once known (set by the first `replace`). */
  get known(): RoomIdentity | null {
    if (!this.identity) {
      const conversationId = this.getMeta("conversation_id");
      const type = this.getMeta("type");
      // Rooms from before encryption existed are plaintext (their database rows say "none").
      const encryption = this.getMeta("encryption") === "mls" ? "mls" : "none";
      if (conversationId && (type === "direct" || type === "group")) this.identity = { conversationId, type, encryption };
    }
    return this.identity ?? null;
  }

  /** The conversation's disappearing-messages timer in seconds (null: off). */
  get disappearingSeconds(): number | null {
    const value = this.getMeta("disappearing_seconds");
    return value === null || value === "" ? null : Number(value);
  }

  setDisappearingSeconds(seconds: number | null): void {
    this.setMeta("disappearing_seconds", seconds === null ? "" : String(seconds));
  }

  /** A direct conversation one member of which blocks the other: read-only for both (controls/blocks.ts). */
  get blocked(): boolean {
    return this.getMeta("blocked") === "1";
  }

  setBlocked(blocked: boolean): void {
    this.setMeta("blocked", blocked ? "1" : "0");
  }

  /** Refuses what would reach the other member of a blocked direct conversation. */
  requireUnblocked(): void {
    if (this.blocked) throw new AppError("FORBIDDEN", "This conversation is blocked.");
  }

  roleOf(userId: string): MemberRole | null {
    return this.all().get(userId) ?? null;
  }

  all(): Map<string, MemberRole> {
    if (!this.cache) {
      const rows = this.sql.exec<{ user_id: string; role: string }>("SELECT user_id, role FROM members").toArray();
      this.cache = new Map(rows.map((r) => [r.user_id, r.role as MemberRole]));
    }
    return this.cache;
  }

  /** Sets the full member list; returns the user ids that are no longer members. */
  replace(identity: RoomIdentity, members: readonly RoomMember[]): string[] {
    const next = new Map(members.map((m) => [m.userId, m.role]));
    const removed = [...this.all().keys()].filter((userId) => !next.has(userId));
    this.sql.exec(
      "INSERT INTO meta (key, value) VALUES ('conversation_id', ?), ('type', ?), ('encryption', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      identity.conversationId,
      identity.type,
      identity.encryption,
    );
    for (const userId of removed) this.sql.exec("DELETE FROM members WHERE user_id = ?", userId);
    for (const [userId, role] of next) {
      this.sql.exec("INSERT INTO members (user_id, role) VALUES (?, ?) ON CONFLICT (user_id) DO UPDATE SET role = excluded.role", userId, role);
    }
    this.identity = identity;
    this.cache = next;
    return removed;
  }

  lastReadSeq(userId: string): number {
    return this.sql.exec<{ s: number }>("SELECT last_read_seq AS s FROM members WHERE user_id = ?", userId).toArray()[0]?.s ?? 0;
  }

  /** Every member's read watermark above 0: sent to a socket as it opens, so "seen" survives a reload. */
  readWatermarks(): { userId: string; seq: number }[] {
    return this.sql
      .exec<{ user_id: string; last_read_seq: number }>("SELECT user_id, last_read_seq FROM members WHERE last_read_seq > 0")
      .toArray()
      .map((r) => ({ userId: r.user_id, seq: r.last_read_seq }));
  }

  /** Forward only: true when the watermark moved. */
  advanceRead(userId: string, seq: number): boolean {
    const rows = this.sql.exec("UPDATE members SET last_read_seq = ? WHERE user_id = ? AND last_read_seq < ? RETURNING user_id", seq, userId, seq).toArray();
    return rows.length > 0;
  }

  /** Watermarks not yet copied to the database. */
  unsyncedReads(): { userId: string; seq: number }[] {
    return this.sql
      .exec<{ user_id: string; last_read_seq: number }>("SELECT user_id, last_read_seq FROM members WHERE last_read_seq > read_synced_seq")
      .toArray()
      .map((r) => ({ userId: r.user_id, seq: r.last_read_seq }));
  }

  markReadSynced(userId: string, seq: number): void {
    this.sql.exec("UPDATE members SET read_synced_seq = ? WHERE user_id = ? AND read_synced_seq < ?", seq, userId, seq);
  }
}
