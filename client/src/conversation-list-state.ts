import { assertNever } from "../../lib/assert-never";
import { markedForReader } from "../../lib/sender-blocked";
import type { ConversationEnvelope, ConversationListItem, Message, MessagePreview, StreamEntry } from "./types";

/**
 * The live conversation list's rules, as pure functions (no network, no timers): how a REST row
 * and the stream's events combine. Every merge only moves forward (seqs and read watermarks take
 * the maximum), so a REST page that lags the stream by a second, or a replayed entry, can never
 * undo a newer state.
 */

/** A row of the live list: the REST list item, its last message in the stream's preview shape. */
export type LiveConversation = Omit<ConversationListItem, "last_message"> & { last_message: MessagePreview | null };

/** What one stream entry does to its conversation's row. */
export type RowChange =
  | { kind: "set"; row: LiveConversation }
  | { kind: "remove" }
  /** A conversation this list does not have (new, or beyond the loaded pages): fetch it, then apply the entry again. */
  | { kind: "fetch" }
  /** The row as it stands (`row`) with members the list no longer knows: fetch it again, nothing to apply after. */
  | { kind: "refresh"; row: LiveConversation }
  | { kind: "none" };

type LastMessage = NonNullable<ConversationListItem["last_message"]>;

/**
 * The REST list's (or history's) message as the stream previews it; REST bodies are whole, so never
 * `truncated`. The server's `sender_blocked` mark (the reader blocks the sender) is kept.
 */
function previewOf(message: LastMessage | Message): MessagePreview {
  const { seq, sender_id, content_type, body, created_at } = message;
  const preview: MessagePreview = {
    seq,
    sender_id,
    content_type,
    body,
    ciphertext: message.ciphertext ?? null,
    truncated: false,
    deleted: message.deleted ?? false,
    created_at,
  };
  return markedForReader(preview, message.sender_blocked === true);
}

export function rowFromItem(item: ConversationListItem): LiveConversation {
  return { ...item, last_message: item.last_message && previewOf(item.last_message) };
}

/**
 * A conversation fetched by id (`GET /v1/conversations/{id}` and its newest message), for one the
 * list did not have: the read watermark is unknown there, so 0 (a new member's, as the server
 * keeps it) until the entry that made us fetch, or a later one, brings it.
 */
export function rowFromConversation(view: ConversationEnvelope["conversation"], newest: Message | undefined, selfId: string | undefined): LiveConversation {
  const role = view.members.find((member) => member.user_id === selfId)?.role ?? "member";
  const row = { ...view, last_message: newest ? previewOf(newest) : null, unread_count: 0, last_read_seq: 0, role };
  return withUnread(row);
}

/** The unread count the server would show: messages after the read watermark. */
function withUnread(row: LiveConversation): LiveConversation {
  return { ...row, unread_count: Math.max(0, row.last_message_seq - row.last_read_seq) };
}

function later(a: string, b: string): string {
  return Date.parse(b) > Date.parse(a) ? b : a;
}

/** Applies one stream entry to the row of its conversation (`row` undefined: not in the list). */
export function applyEntry(row: LiveConversation | undefined, entry: StreamEntry, selfId: string | undefined): RowChange {
  const { event } = entry;
  switch (event.kind) {
    case "conversation": {
      if (!row) return { kind: "fetch" };
      let next = { ...row, last_read_seq: Math.max(row.last_read_seq, event.last_read_seq) };
      if (event.last_seq >= row.last_message_seq) {
        const grew = event.last_seq > row.last_message_seq;
        next = { ...next, last_message_seq: event.last_seq, last_message: event.last_message ?? next.last_message };
        if (grew) next.last_activity_at = later(next.last_activity_at, event.last_message?.created_at ?? entry.at);
      }
      // Senders have read their own messages (the server counts it so too).
      if (event.last_message && event.last_message.sender_id === selfId) next.last_read_seq = Math.max(next.last_read_seq, event.last_message.seq);
      return { kind: "set", row: withUnread(next) };
    }
    case "read":
      if (!row) return { kind: "none" }; // read state of a conversation we do not show: nothing to clear
      return { kind: "set", row: withUnread({ ...row, last_read_seq: Math.max(row.last_read_seq, event.seq) }) };
    case "membership":
      if (event.change === "removed") return row ? { kind: "remove" } : { kind: "none" };
      if (!row) return { kind: "fetch" };
      return { kind: "set", row: { ...row, role: event.role ?? row.role } };
    case "details": {
      // Not in the list: nothing shows it (a conversation we join arrives with its name).
      if (!row) return { kind: "none" };
      // A rename is activity (the server moves the group up too); a membership change is not.
      const named = { ...row, name: event.name, ...(event.change === "name" ? { last_activity_at: later(row.last_activity_at, entry.at) } : {}) };
      // An unnamed group's title is its members': someone else joined or left, so fetch who they are now.
      return event.change === "members" && named.type === "group" && named.name === null ? { kind: "refresh", row: named } : { kind: "set", row: named };
    }
    case "call":
    case "keys":
    case "devices":
      return { kind: "none" };
    default:
      return assertNever(event);
  }
}

/** A REST row (fresh but possibly a second behind the stream) over the row the stream kept. */
export function mergeRow(kept: LiveConversation | undefined, fresh: LiveConversation): LiveConversation {
  if (!kept) return withUnread(fresh);
  const streamIsNewer = kept.last_message_seq > fresh.last_message_seq;
  return withUnread({
    ...fresh,
    last_message_seq: Math.max(kept.last_message_seq, fresh.last_message_seq),
    last_message: streamIsNewer ? kept.last_message : fresh.last_message,
    last_read_seq: Math.max(kept.last_read_seq, fresh.last_read_seq),
    last_activity_at: later(kept.last_activity_at, fresh.last_activity_at),
  });
}

/** Newest activity first (as `GET /v1/conversations` orders them), ties by id so the order is stable. */
export function sortRows(rows: Iterable<LiveConversation>): LiveConversation[] {
  return [...rows].sort((a, b) => Date.parse(b.last_activity_at) - Date.parse(a.last_activity_at) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

export function totalUnread(rows: Iterable<LiveConversation>): number {
  let total = 0;
  for (const row of rows) total += row.unread_count;
  return total;
}
