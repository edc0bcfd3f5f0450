import type { ConversationListItemView, ConversationView } from "../../../../lib/contracts/chat";
import type { ConversationListItem, ConversationWithMembers, LastMessage } from "../../../../lib/db";
import { markedForReader } from "../../../../lib/sender-blocked";

export function conversationView(c: ConversationWithMembers): ConversationView {
  return {
    id: c.id,
    type: c.type,
    name: c.name,
    members: c.members.map((m) => ({ user_id: m.userId, role: m.role })),
    encryption: c.encryption,
    created_at: c.createdAt,
    last_activity_at: c.lastActivityAt,
    last_message_seq: c.lastMessageSeq,
  };
}

export function conversationListItemView(c: ConversationListItem): ConversationListItemView {
  return {
    ...conversationView(c),
    // The reader's copy: marked when they block its sender, as their copy of the message in history is.
    last_message: c.lastMessage ? markedForReader(lastMessageView(c.lastMessage), c.lastMessageSenderBlocked) : null,
    unread_count: c.unreadCount,
    last_read_seq: c.lastReadSeq,
    role: c.role,
  };
}

function lastMessageView(m: LastMessage): NonNullable<ConversationListItemView["last_message"]> {
  return {
    id: m.id,
    seq: m.seq,
    sender_id: m.sender_id,
    content_type: m.content_type,
    body: m.body,
    ciphertext: null,
    created_at: m.created_at,
    deleted: m["deleted"] === true,
  };
}

/** Opaque list cursor: the last item's (last_activity_at, id). */
export function encodeCursor(item: { lastActivityAt: string; id: string }): string {
  return btoa(JSON.stringify([item.lastActivityAt, item.id])).replace(/=+$/, "");
}

export function decodeCursor(cursor: string): { lastActivityAt: string; id: string } | null {
  try {
    const value: unknown = JSON.parse(atob(cursor));
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === "string" && typeof value[1] === "string") {
      return { lastActivityAt: value[0], id: value[1] };
    }
  } catch {
    // Falls through: an unreadable cursor is a validation error for the caller.
  }
  return null;
}
