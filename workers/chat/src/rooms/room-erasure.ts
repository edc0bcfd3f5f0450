import { MISSED_CALL_CONTENT_TYPE, missedCallBodySchema } from "../../../../lib/contracts/chat-frames";
import * as z from "zod";
import type { MessageStore } from "./message-store";

const reactionMapSchema = z.record(z.string(), z.array(z.string()));

/** Rows one erasure call rewrites at most (per kind): a room with more asks the consumer to call again. */
export const ERASE_BATCH_ROWS = 200;

/** A SQL LIKE pattern matching the JSON string of `userId` (ids are UUIDs: no `%`, `_` or `"` to escape). */
const jsonStringPattern = (userId: string): string => `%${JSON.stringify(userId)}%`;

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Erases what a deleted account left in this room's SQLite, in bounded batches:
 * - its messages become tombstones: body, ciphertext, attachments, reactions, reply link and client
 *   id go (the client id becomes `erased:<seq>`, which also marks the row done); seq, id, sender id,
 *   content type and times stay, so the log stays gap-free and clients show "Deleted account";
 * - its reactions on other people's messages go;
 * - its id leaves the `missed_by` list of missed-call messages;
 * - its `present` row goes (the member row goes with the member list sync).
 * Idempotent: a row already rewritten no longer matches. Answers the seqs whose content changed.
 */
export function eraseUserContent(sql: SqlStorage, store: MessageStore, userId: string): { changed: number[]; more: boolean } {
  const lastSeq = store.lastSeq;
  const pattern = jsonStringPattern(userId);
  const own = sql
    .exec<{ seq: number }>(
      `UPDATE messages SET body = NULL, ciphertext = NULL, attachments = NULL, reactions = NULL, reply_to_seq = NULL, edited_at = NULL,
         deleted = 1, client_id = 'erased:' || seq, touched_at_seq = ?
       WHERE seq IN (SELECT seq FROM messages WHERE sender_id = ? AND client_id NOT LIKE 'erased:%' LIMIT ?) RETURNING seq`,
      lastSeq,
      userId,
      ERASE_BATCH_ROWS,
    )
    .toArray()
    .map((r) => r.seq);

  const reacted = sql
    .exec<{ seq: number; reactions: string }>("SELECT seq, reactions FROM messages WHERE reactions LIKE ? LIMIT ?", pattern, ERASE_BATCH_ROWS)
    .toArray();
  for (const row of reacted) {
    const reactions = reactionMapSchema.safeParse(parseJson(row.reactions));
    const kept = Object.entries(reactions.success ? reactions.data : {}).flatMap(([emoji, users]) => {
      const rest = users.filter((u) => u !== userId);
      return rest.length > 0 ? [[emoji, rest] as const] : [];
    });
    const json = kept.length > 0 ? JSON.stringify(Object.fromEntries(kept)) : null;
    sql.exec("UPDATE messages SET reactions = ?, touched_at_seq = ? WHERE seq = ?", json, lastSeq, row.seq);
  }

  const missed = sql
    .exec<{ seq: number; body: string }>(
      "SELECT seq, body FROM messages WHERE content_type = ? AND body LIKE ? LIMIT ?",
      MISSED_CALL_CONTENT_TYPE,
      pattern,
      ERASE_BATCH_ROWS,
    )
    .toArray();
  for (const row of missed) {
    const parsed = missedCallBodySchema.safeParse(parseJson(row.body));
    // A body that is not ours to read cannot be rewritten safely: its content goes instead.
    const body = parsed.success ? JSON.stringify({ ...parsed.data, missed_by: parsed.data.missed_by.filter((u) => u !== userId) }) : null;
    sql.exec("UPDATE messages SET body = ?, touched_at_seq = ? WHERE seq = ?", body, lastSeq, row.seq);
  }

  sql.exec("DELETE FROM present WHERE user_id = ?", userId);
  const more = own.length === ERASE_BATCH_ROWS || reacted.length === ERASE_BATCH_ROWS || missed.length === ERASE_BATCH_ROWS;
  return { changed: [...new Set([...own, ...reacted.map((r) => r.seq), ...missed.map((r) => r.seq)])].sort((a, b) => a - b), more };
}

/** A conversation deleted because its last member left: its log, members and presence rows go; only its identity (meta) stays. */
export function eraseRoom(sql: SqlStorage): void {
  sql.exec("DELETE FROM messages");
  sql.exec("DELETE FROM present");
}
