/**
 * One Web Push send (RFC 8030 §5): `POST <subscription endpoint>` with the RFC 8291 body, VAPID
 * authorization, TTL, Urgency and Topic, and the classification of the push service's answer:
 *   201 (or any 2xx)                   → delivered to the push service;
 *   404, 410                           → the subscription is gone: the device's push token is dropped;
 *   429, 5xx, network errors           → retried, honouring Retry-After;
 *   any other 4xx (400, 401/403 VAPID, 413) → our request is wrong: dropped and logged.
 */
import { parseWebPushToken, type WebPushPayload, type WebPushSubscription } from "../../../../lib/contracts/web-push";
import { webPushEndpointAllowed } from "../../../../lib/web-push-endpoint";
import { parseRetryAfter } from "../../../../lib/queue-delivery";
import type { PushContent } from "./message";
import { vapidAuthorization, type VapidSettings } from "./vapid";
import { encryptWebPush, utf8 } from "./web-push-encryption";

export type WebPushResult =
  | { ok: true }
  | { ok: false; kind: "gone" | "permanent"; status: number; errorCode: string }
  | { ok: false; kind: "retry"; status: number; errorCode: string; retryAfterSeconds?: number };

/** A stored `push_token` of a web device, or undefined when it is not a subscription we may send to. */
export function parseSubscription(pushToken: string, production: boolean): WebPushSubscription | undefined {
  const subscription = parseWebPushToken(pushToken);
  return subscription !== undefined && webPushEndpointAllowed(subscription.endpoint, production) ? subscription : undefined;
}

/** What the service worker decrypts: the same ids-only data (and generic call alert) as FCM gets. */
export function webPushPayload(content: PushContent): WebPushPayload {
  return { data: content.data, ...(content.notification !== undefined ? { notification: content.notification } : {}) };
}

/** RFC 8030 §5.4: a Topic is at most 32 base64url characters; it replaces an undelivered push with the same one. */
function topic(collapseKey: string | undefined): string | undefined {
  if (collapseKey === undefined) return undefined;
  return collapseKey.replace(/[^A-Za-z0-9_-]/g, "").slice(-32) || undefined;
}

export async function sendWebPush(vapid: VapidSettings, subscription: WebPushSubscription, content: PushContent): Promise<WebPushResult> {
  const body = await encryptWebPush(subscription.keys, utf8(JSON.stringify(webPushPayload(content))));
  const topicHeader = topic(content.collapseKey);
  let res: Response;
  try {
    res = await fetch(subscription.endpoint, {
      method: "POST",
      headers: {
        authorization: await vapidAuthorization(vapid, subscription.endpoint),
        "content-encoding": "aes128gcm",
        "content-type": "application/octet-stream",
        ttl: String(content.ttlSeconds),
        urgency: content.urgent ? "high" : "normal",
        ...(topicHeader !== undefined ? { topic: topicHeader } : {}),
      },
      body,
      redirect: "manual",
    });
  } catch {
    return { ok: false, kind: "retry", status: 0, errorCode: "network" };
  }
  await res.body?.cancel();
  const status = res.status;
  if (status >= 200 && status < 300) return { ok: true };
  const errorCode = `http_${status}`;
  if (status === 404 || status === 410) return { ok: false, kind: "gone", status, errorCode };
  if (status === 429 || status >= 500) {
    const retryAfterSeconds = parseRetryAfter(res.headers.get("retry-after"));
    return { ok: false, kind: "retry", status, errorCode, ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}) };
  }
  return { ok: false, kind: "permanent", status, errorCode };
}
