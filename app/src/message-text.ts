import type { MessagePreview } from "../../client/src/index";
import type { MISSED_CALL_CONTENT_TYPE, MissedCallBody } from "../../lib/contracts/chat-frames";

/** Tied to the contract at compile time; the app bundles no contract code. */
const MISSED_CALL: typeof MISSED_CALL_CONTENT_TYPE = "call/missed";
export const DELETED_TEXT = "This message was deleted";

type Shown = Pick<MessagePreview, "content_type" | "body"> & Partial<Pick<MessagePreview, "deleted">> & { ciphertext?: string | null };

/** What a message reads as, in its row and in the list's preview: the server's missed-call trace as "Missed call". */
export function messageText(message: Shown): string {
  // A tombstone keeps no body or ciphertext: it reads as deleted, never as "(encrypted)".
  if (message.deleted) return DELETED_TEXT;
  if (message.content_type === MISSED_CALL) return missedCallText(message.body);
  // An encrypted message's text is only on the devices; the list shows that it is one, not its ciphertext.
  return message.body ?? (message.ciphertext ? "🔒 Encrypted message" : "");
}

export function isMissedCall(message: Pick<MessagePreview, "content_type">): boolean {
  return message.content_type === MISSED_CALL;
}

function missedCallText(body: string | null): string {
  try {
    // The server writes this body (MissedCallBody); a newer or odd one still reads as a missed call.
    const parsed = JSON.parse(body ?? "{}") as Partial<MissedCallBody>;
    return parsed.call_type === "audio" ? "Missed audio call" : parsed.call_type === "video" ? "Missed video call" : "Missed call";
  } catch {
    return "Missed call";
  }
}
