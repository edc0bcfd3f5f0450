import type { MessagePreview } from "../../client/src/index";
import type { DISAPPEARING_TIMER_CONTENT_TYPE } from "../../lib/contracts/account-controls";
import type { MISSED_CALL_CONTENT_TYPE, MissedCallBody } from "../../lib/contracts/chat-frames";

/** Tied to the contract at compile time; the app bundles no contract code. */
const MISSED_CALL: typeof MISSED_CALL_CONTENT_TYPE = "call/missed";
export const DELETED_TEXT = "This message was deleted";
/** Our copy of a message (or list preview) from someone we block, as the server marks it (`sender_blocked`). */
export const BLOCKED_TEXT = "A message from someone you blocked";
const TIMER: typeof DISAPPEARING_TIMER_CONTENT_TYPE = "application/vnd.secureconnect.disappearing-timer+json";

/** "30 seconds", "1 hour", "4 weeks": a disappearing timer in words. */
export function durationText(seconds: number): string {
  const units: [number, string][] = [
    [604_800, "week"],
    [86_400, "day"],
    [3_600, "hour"],
    [60, "minute"],
    [1, "second"],
  ];
  const [size, name] = units.find(([size]) => seconds % size === 0 && seconds >= size) ?? [1, "second"];
  const n = seconds / size;
  return `${n} ${name}${n === 1 ? "" : "s"}`;
}

type Shown = Pick<MessagePreview, "content_type" | "body"> & Partial<Pick<MessagePreview, "deleted" | "sender_id">> & { ciphertext?: string | null };

/**
 * What a message reads as, in its row and in the list's preview: the server's missed-call trace as
 * "Missed video call", or, to the caller it is sent in the name of (`selfId`), "Video call · no answer".
 */
export function messageText(message: Shown, selfId?: string): string {
  // A tombstone keeps no body or ciphertext: it reads as deleted, never as "(encrypted)".
  if (message.deleted) return DELETED_TEXT;
  if (message.content_type === MISSED_CALL) return missedCallText(message.body, selfId !== undefined && message.sender_id === selfId);
  if (message.content_type === TIMER) return timerText(message.body);
  // An encrypted message's text is only on the devices; the list shows that it is one, not its ciphertext.
  return message.body ?? (message.ciphertext ? "🔒 Encrypted message" : "");
}

export function isMissedCall(message: Pick<MessagePreview, "content_type">): boolean {
  return message.content_type === MISSED_CALL;
}

function timerText(body: string | null): string {
  try {
    const { seconds } = JSON.parse(body ?? "{}") as { seconds?: number | null };
    return typeof seconds === "number" ? `Disappearing messages: ${durationText(seconds)}` : "Disappearing messages turned off";
  } catch {
    return "Disappearing messages changed";
  }
}

function missedCallText(body: string | null, outgoing: boolean): string {
  let type: string | undefined;
  try {
    // The server writes this body (MissedCallBody); a newer or odd one still reads as a missed call.
    type = (JSON.parse(body ?? "{}") as Partial<MissedCallBody>).call_type;
  } catch {
    type = undefined;
  }
  const kind = type === "audio" ? "audio call" : type === "video" ? "video call" : "call";
  return outgoing ? `${kind[0]?.toUpperCase() ?? ""}${kind.slice(1)} · no answer` : `Missed ${kind}`;
}
