import type { DecryptedMessage } from "./conversation-group";
import type { EncryptedFile } from "./payload";

/** A message as a timeline shows it: edits and reactions (which travel as messages of their own) applied. */
export interface TimelineItem {
  seq: number;
  sender_id: string;
  created_at: string;
  status: DecryptedMessage["status"];
  body: string | null;
  edited: boolean;
  reply_to_seq: number | null;
  files: EncryptedFile[];
  /** emoji → user ids, in the order reactions arrived. */
  reactions: Array<{ emoji: string; user_ids: string[] }>;
}

/**
 * Folds decrypted messages (any order) into timeline items. An edit counts only from the message's
 * own sender, a reaction from anyone, each applied in seq order; edits and reactions whose target is
 * not in the list are left out.
 */
export function foldTimeline(messages: readonly DecryptedMessage[]): TimelineItem[] {
  const items = new Map<number, TimelineItem>();
  const sorted = [...messages].sort((a, b) => a.seq - b.seq);
  for (const m of sorted) {
    const content = m.content;
    if (content === null || content.kind === "text") {
      items.set(m.seq, {
        seq: m.seq,
        sender_id: m.sender_id,
        created_at: m.created_at,
        status: m.status,
        body: content?.body ?? null,
        edited: false,
        reply_to_seq: content?.reply_to_seq ?? null,
        files: content?.files ?? [],
        reactions: [],
      });
      continue;
    }
    const target = items.get(content.target_seq);
    if (!target || target.status !== "ok") continue;
    if (content.kind === "edit") {
      if (target.sender_id === m.sender_id) Object.assign(target, { body: content.body, edited: true });
      continue;
    }
    const entry = target.reactions.find((r) => r.emoji === content.emoji);
    const others = (entry?.user_ids ?? []).filter((id) => id !== m.sender_id);
    const user_ids = content.on ? [...others, m.sender_id] : others;
    if (entry) entry.user_ids = user_ids;
    else if (user_ids.length > 0) target.reactions.push({ emoji: content.emoji, user_ids });
  }
  return [...items.values()].filter((item) => item.status !== "ok" || item.body !== null || item.files.length > 0);
}
