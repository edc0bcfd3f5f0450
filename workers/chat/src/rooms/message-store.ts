import type { MessageView } from "../../../../lib/contracts/chat";

/**
 * The room's message log in its SQLite storage. `seq` is the INTEGER PRIMARY KEY (the rowid), so
 * every history page is a range scan of the primary key: O(page), whatever the log's size.
 * `(sender_id, client_id)` is UNIQUE: a resend is answered with the original, never stored twice.
 * The room is the single writer and `exec` is synchronous, so `lastSeq + 1` cannot race.
 * The tables are created by CONVERSATION_ROOM_MIGRATIONS (conversation-room-migrations.ts).
 */
type MessageRow = {
  seq: number;
  id: string;
  sender_id: string;
  client_id: string;
  content_type: string;
  body: string | null;
  ciphertext: string | null;
  attachments: string | null;
  reply_to_seq: number | null;
  epoch: number | null;
  reactions: string | null;
  created_at: string;
  edited_at: string | null;
  deleted: number;
  touched_at_seq: number | null;
  expires_at: number | null;
};

/** Reactions as stored: emoji → user ids, in the order they reacted. */
export type ReactionMap = Record<string, string[]>;

export type NewMessage = Omit<MessageView, "seq" | "reactions" | "edited_at" | "deleted" | "conversation_id">;

export class MessageStore {
  private lastSeqCache: number | undefined;

  constructor(
    private readonly sql: SqlStorage,
    private readonly conversationId: () => string,
  ) {}

  get lastSeq(): number {
    if (this.lastSeqCache === undefined) {
      const row = this.sql.exec<{ last: number | null }>("SELECT MAX(seq) AS last FROM messages").one();
      this.lastSeqCache = row.last ?? 0;
    }
    return this.lastSeqCache;
  }

  /**
   * Stores a new message with the next seq; null when (sender, client_id) already exists. One write.
   * `expiresAt` (epoch ms) marks it for erasure by the disappearing-messages alarm.
   */
  insert(message: NewMessage, expiresAt: number | null = null): MessageView | null {
    const seq = this.lastSeq + 1;
    const inserted = this.sql
      .exec<{ seq: number }>(
        `INSERT INTO messages (seq, id, sender_id, client_id, content_type, body, ciphertext, attachments, reply_to_seq, epoch, created_at, expires_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (sender_id, client_id) DO NOTHING RETURNING seq`,
        seq,
        message.id,
        message.sender_id,
        message.client_id,
        message.content_type,
        message.body,
        message.ciphertext,
        message.attachments.length > 0 ? JSON.stringify(message.attachments) : null,
        message.reply_to_seq,
        message.epoch,
        message.created_at,
        expiresAt,
      )
      .toArray();
    if (inserted.length === 0) return null;
    this.lastSeqCache = seq;
    return { ...message, seq, conversation_id: this.conversationId(), reactions: [], edited_at: null, deleted: false };
  }

  byClientId(senderId: string, clientId: string): MessageView | null {
    const rows = this.sql.exec<MessageRow>("SELECT * FROM messages WHERE sender_id = ? AND client_id = ?", senderId, clientId).toArray();
    return rows[0] ? this.view(rows[0]) : null;
  }

  get(seq: number): MessageView | null {
    const rows = this.sql.exec<MessageRow>("SELECT * FROM messages WHERE seq = ?", seq).toArray();
    return rows[0] ? this.view(rows[0]) : null;
  }

  reactionsOf(seq: number): ReactionMap {
    const row = this.sql.exec<{ reactions: string | null }>("SELECT reactions FROM messages WHERE seq = ?", seq).toArray()[0];
    return parseReactions(row?.reactions ?? null);
  }

  /** Newest first below `beforeSeq`, or oldest first above `afterSeq`; one extra row tells `hasMore`. */
  page(q: { beforeSeq?: number; afterSeq?: number; limit: number }): { messages: MessageView[]; hasMore: boolean } {
    const take = q.limit + 1;
    let rows: MessageRow[];
    if (q.afterSeq !== undefined) {
      const upper = q.beforeSeq ?? Number.MAX_SAFE_INTEGER;
      rows = this.sql.exec<MessageRow>("SELECT * FROM messages WHERE seq > ? AND seq < ? ORDER BY seq ASC LIMIT ?", q.afterSeq, upper, take).toArray();
    } else {
      const upper = q.beforeSeq ?? Number.MAX_SAFE_INTEGER;
      rows = this.sql.exec<MessageRow>("SELECT * FROM messages WHERE seq < ? ORDER BY seq DESC LIMIT ?", upper, take).toArray();
    }
    const hasMore = rows.length > q.limit;
    return { messages: rows.slice(0, q.limit).map((r) => this.view(r)), hasMore };
  }

  /** Replay for a reconnecting client, oldest first, in bounded chunks. */
  *after(sinceSeq: number, chunkSize = 200): Generator<MessageView> {
    let cursor = sinceSeq;
    for (;;) {
      const rows = this.sql.exec<MessageRow>("SELECT * FROM messages WHERE seq > ? ORDER BY seq ASC LIMIT ?", cursor, chunkSize).toArray();
      for (const row of rows) yield this.view(row);
      const last = rows[rows.length - 1];
      if (!last || rows.length < chunkSize) return;
      cursor = last.seq;
    }
  }

  /** Messages up to `sinceSeq` changed at or after the client's `sinceSeq` (oldest first, bounded). */
  touchedSince(sinceSeq: number, limit = 500): MessageView[] {
    return this.sql
      .exec<MessageRow>("SELECT * FROM messages WHERE touched_at_seq >= ? AND seq <= ? ORDER BY seq ASC LIMIT ?", sinceSeq, sinceSeq, limit)
      .toArray()
      .map((r) => this.view(r));
  }

  /** `epoch` undefined keeps the stored one. */
  edit(seq: number, patch: { body: string | null; ciphertext: string | null; epoch?: number }, at: string): void {
    this.sql.exec(
      "UPDATE messages SET body = ?, ciphertext = ?, epoch = COALESCE(?, epoch), edited_at = ?, touched_at_seq = ? WHERE seq = ?",
      patch.body,
      patch.ciphertext,
      patch.epoch ?? null,
      at,
      this.lastSeq,
      seq,
    );
  }

  /** The earliest pending erasure (epoch ms), from the partial index; null when none. */
  nextExpiry(): number | null {
    return this.sql.exec<{ at: number | null }>("SELECT MIN(expires_at) AS at FROM messages WHERE expires_at IS NOT NULL").one().at;
  }

  /** Messages due for erasure at `now`, oldest deadline first, at most `limit` (the alarm loops). */
  dueForExpiry(now: number, limit = 200): { seq: number; senderId: string; attachments: string[] }[] {
    return this.sql
      .exec<{ seq: number; sender_id: string; attachments: string | null }>(
        "SELECT seq, sender_id, attachments FROM messages WHERE expires_at IS NOT NULL AND expires_at <= ? ORDER BY expires_at LIMIT ?",
        now,
        limit,
      )
      .toArray()
      .map((r) => ({ seq: r.seq, senderId: r.sender_id, attachments: r.attachments ? (JSON.parse(r.attachments) as string[]) : [] }));
  }

  /** A tombstone keeps seq, id, sender and times; content, attachments, reactions and any pending erasure are gone. */
  tombstone(seq: number): void {
    this.sql.exec(
      "UPDATE messages SET body = NULL, ciphertext = NULL, attachments = NULL, reactions = NULL, deleted = 1, expires_at = NULL, touched_at_seq = ? WHERE seq = ?",
      this.lastSeq,
      seq,
    );
  }

  setReactions(seq: number, reactions: ReactionMap): void {
    const json = Object.keys(reactions).length > 0 ? JSON.stringify(reactions) : null;
    this.sql.exec("UPDATE messages SET reactions = ?, touched_at_seq = ? WHERE seq = ?", json, this.lastSeq, seq);
  }

  /** One sender's messages after `afterSeq`, oldest first (a data export pages through them). */
  bySender(senderId: string, afterSeq: number, limit: number): MessageView[] {
    return this.sql
      .exec<MessageRow>("SELECT * FROM messages WHERE sender_id = ? AND seq > ? ORDER BY seq ASC LIMIT ?", senderId, afterSeq, limit)
      .toArray()
      .map((r) => this.view(r));
  }

  /** Each sender's newest seq in (fromSeq, ∞): senders have read their own messages. */
  newestBySenderAfter(fromSeq: number): { senderId: string; seq: number }[] {
    return this.sql
      .exec<{ sender_id: string; seq: number }>("SELECT sender_id, MAX(seq) AS seq FROM messages WHERE seq > ? GROUP BY sender_id", fromSeq)
      .toArray()
      .map((r) => ({ senderId: r.sender_id, seq: r.seq }));
  }

  private view(row: MessageRow): MessageView {
    return {
      id: row.id,
      conversation_id: this.conversationId(),
      seq: row.seq,
      sender_id: row.sender_id,
      client_id: row.client_id,
      content_type: row.content_type,
      body: row.body,
      ciphertext: row.ciphertext,
      attachments: row.attachments ? (JSON.parse(row.attachments) as string[]) : [],
      reply_to_seq: row.reply_to_seq,
      epoch: row.epoch,
      reactions: Object.entries(parseReactions(row.reactions)).map(([emoji, user_ids]) => ({ emoji, user_ids })),
      created_at: row.created_at,
      edited_at: row.edited_at,
      deleted: row.deleted === 1,
    };
  }
}

function parseReactions(json: string | null): ReactionMap {
  return json ? (JSON.parse(json) as ReactionMap) : {};
}
