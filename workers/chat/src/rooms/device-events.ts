import type { MessageView, SendMessageInput } from "../../../../lib/contracts/chat";
import { MISSED_CALL_CONTENT_TYPE, missedCallClientId, type CallEventFrame, type MissedCallBody } from "../../../../lib/contracts/chat-frames";
import { DEVICE_STREAM_LIMITS, type DeviceEvent, type MessagePreview } from "../../../../lib/contracts/device-stream";
import { assertNever } from "../../../../lib/assert-never";
import type { CallDelivery } from "../../../../lib/contracts/chat-rpc";

export type ConversationChange = Extract<DeviceEvent, { kind: "conversation" }>["change"];
export type MembershipChange = Extract<DeviceEvent, { kind: "membership" }>;
export type CallDeviceEvent = Extract<DeviceEvent, { kind: "call" }>;
export type DetailsChange = Extract<DeviceEvent, { kind: "details" }>["change"];

/** What a list row and a notification need: body or ciphertext cut at previewChars, never attachments. */
export function messagePreview(m: Pick<MessageView, "seq" | "sender_id" | "content_type" | "body" | "ciphertext" | "deleted" | "created_at">): MessagePreview {
  const cut = (text: string | null) => (text === null ? null : text.slice(0, DEVICE_STREAM_LIMITS.previewChars));
  const text = m.body ?? m.ciphertext;
  return {
    seq: m.seq,
    sender_id: m.sender_id,
    content_type: m.content_type,
    body: cut(m.body),
    ciphertext: cut(m.ciphertext),
    truncated: text !== null && text.length > DEVICE_STREAM_LIMITS.previewChars,
    deleted: m.deleted,
    created_at: m.created_at,
  };
}

/** When a flush holds several kinds of change, the one the list shows most prominently wins. */
const CHANGE_RANK: Record<ConversationChange, number> = { message: 3, delete: 2, edit: 1, reaction: 0 };

export function strongerChange(a: ConversationChange | null, b: ConversationChange): ConversationChange {
  return a !== null && CHANGE_RANK[a] >= CHANGE_RANK[b] ? a : b;
}

/** The calls worker's call event as a device-stream event (`incoming` is `ringing` there). */
export function callDeviceEvent(frame: CallDelivery): CallDeviceEvent {
  switch (frame.event) {
    case "incoming":
      return { kind: "call", event: "ringing", call: frame.call };
    case "answered_elsewhere":
    case "declined":
    case "ended":
    case "missed":
      return { kind: "call", event: frame.event, call: frame.call };
    default:
      return assertNever(frame.event);
  }
}

/**
 * What the conversation sockets of `targets` hear of a call event, if anything. `declined` has no
 * frame there: while the call is open the decliner's sockets stop ringing with `answered_elsewhere`
 * (as before the event existed) and the caller's hear nothing; once ended, the `ended` that follows
 * says it all.
 */
export function callSocketDelivery(frame: CallDelivery, targets: readonly string[]): { frame: CallEventFrame; userIds: string[] } | null {
  switch (frame.event) {
    case "declined":
      if (frame.call.status === "ended") return null;
      return { frame: { ...frame, event: "answered_elsewhere" }, userIds: targets.filter((u) => u !== frame.call.initiator_id) };
    case "incoming":
    case "answered_elsewhere":
    case "ended":
    case "missed":
      return { frame: { ...frame, event: frame.event }, userIds: [...targets] };
    default:
      return assertNever(frame.event);
  }
}

/** The message a missed call leaves in its conversation (once per call: the client_id is fixed). */
export function missedCallInput(frame: CallEventFrame, missedBy: string[]): SendMessageInput {
  const body: MissedCallBody = { call_id: frame.call.id, call_type: frame.call.type, missed_by: missedBy };
  return { client_id: missedCallClientId(frame.call.id), content_type: MISSED_CALL_CONTENT_TYPE, body: JSON.stringify(body) };
}
