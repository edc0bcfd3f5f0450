/**
 * What each push job becomes on the wire. End-to-end encryption: message pushes carry ids only
 * (kind, conversation_id, seq), never plaintext, ciphertext or sender names; the app wakes up and
 * fetches. Incoming calls are urgent (Android HIGH, APNs priority 10, short TTL) and show a generic
 * alert on iOS; nothing else carries a visible notification.
 */
import type { PushJob } from "../../../../lib/contracts/queues";

export interface PushContent {
  /** FCM data values must be strings. */
  data: Record<string, string>;
  /** A generic, content-free alert (only incoming calls have one). */
  notification?: { title: string; body: string };
  urgent: boolean;
  ttlSeconds: number;
  collapseKey?: string;
}

const CALL_TTL_SECONDS = 30;
const MESSAGE_TTL_SECONDS = 3 * 24 * 60 * 60;
const PREKEYS_TTL_SECONDS = 24 * 60 * 60;

export function pushContent(job: PushJob): PushContent {
  switch (job.kind) {
    case "message":
      return {
        data: { kind: "message", conversation_id: job.conversation_id, seq: String(job.seq) },
        urgent: true,
        ttlSeconds: MESSAGE_TTL_SECONDS,
        collapseKey: `c:${job.conversation_id}`.slice(0, 64),
      };
    case "incoming_call":
      return {
        data: { kind: "incoming_call", call_id: job.call_id, conversation_id: job.conversation_id, caller_id: job.caller_id, call_type: job.call_type },
        notification: { title: `Incoming ${job.call_type} call`, body: "Open SecureConnect to answer." },
        urgent: true,
        ttlSeconds: CALL_TTL_SECONDS,
      };
    case "prekeys_low":
      return {
        data: { kind: "prekeys_low", device_id: job.device_id, remaining: String(job.remaining) },
        urgent: false,
        ttlSeconds: PREKEYS_TTL_SECONDS,
        collapseKey: "prekeys_low",
      };
  }
}

/** The FCM HTTP v1 `message` object for one device token. */
export function fcmMessage(token: string, content: PushContent, now: number = Date.now()) {
  const alert = content.notification;
  return {
    token,
    data: content.data,
    android: {
      priority: content.urgent ? "HIGH" : "NORMAL",
      ttl: `${content.ttlSeconds}s`,
      ...(content.collapseKey !== undefined ? { collapse_key: content.collapseKey } : {}),
    },
    apns: {
      // Apple only accepts priority 10 for user-visible alerts; background wake-ups must use 5.
      headers: {
        "apns-priority": alert !== undefined ? "10" : "5",
        "apns-push-type": alert !== undefined ? "alert" : "background",
        "apns-expiration": String(Math.floor(now / 1000) + content.ttlSeconds),
        ...(content.collapseKey !== undefined ? { "apns-collapse-id": content.collapseKey } : {}),
      },
      payload: { aps: alert !== undefined ? { alert, sound: "default" } : { "content-available": 1 } },
    },
    webpush: { headers: { Urgency: content.urgent ? "high" : "normal", TTL: String(content.ttlSeconds) } },
  };
}
export type FcmMessage = ReturnType<typeof fcmMessage>;
