/**
 * One push to one device through its provider: FCM for android/ios, Web Push for web, or the dev
 * outbox. Answers what happened in one shape the consumer acts on (mark sent, drop the token, or
 * retry after a delay), so both providers share the consumer's idempotency, metrics and retries.
 */
import type { Device } from "../../../../lib/db";
import { isDevelopment } from "../../../../lib/environment";
import type { PushEnv, PushSink, WebPushSink } from "./config";
import { sendFcm } from "./fcm-client";
import { fcmMessage, type PushContent } from "./message";
import { accessToken, forgetAccessToken, OAuthError } from "./oauth";
import { storeInOutbox } from "./outbox";
import { parseSubscription, sendWebPush } from "./web-push-client";

export type SendOutcome =
  | { outcome: "sent" | "dev_sink" }
  | { outcome: "dropped"; reason: string; tokenDead: boolean }
  | { outcome: "retry"; reason: string; retryAfterSeconds?: number };

export interface Sinks {
  fcm: PushSink;
  web: WebPushSink;
}

export interface ProviderSend {
  userId: string;
  device: Device;
  content: PushContent;
  env: PushEnv & Pick<ChatEnv, "KV">;
  sinks: Sinks;
}

export async function sendToProvider(p: ProviderSend): Promise<SendOutcome> {
  const { device, content, env } = p;
  const sink = device.platform === "web" ? p.sinks.web : p.sinks.fcm;
  if (sink.kind === "unconfigured") return { outcome: "retry", reason: "not_configured" };
  if (device.platform === "web" && content.data.kind === "prekeys_low") {
    // A userVisibleOnly subscription must show a notification for every push: a key top-up is not
    // worth one, and the web app tops its keys up whenever it opens.
    return { outcome: "dropped", reason: "web_silent_kind", tokenDead: false };
  }
  if (sink.kind === "dev_outbox") {
    await storeInOutbox(env.KV, { userId: p.userId, deviceId: device.id, pushToken: device.pushToken, content });
    return { outcome: "dev_sink" };
  }
  if (sink.kind === "web_push") {
    const subscription = parseSubscription(device.pushToken, !isDevelopment(env));
    if (subscription === undefined) return { outcome: "dropped", reason: "web_push_invalid_subscription", tokenDead: true };
    const result = await sendWebPush(sink.vapid, subscription, content);
    if (result.ok) return { outcome: "sent" };
    const reason = `web_push_${result.errorCode}`;
    if (result.kind === "retry")
      return { outcome: "retry", reason, ...(result.retryAfterSeconds !== undefined ? { retryAfterSeconds: result.retryAfterSeconds } : {}) };
    return { outcome: "dropped", reason, tokenDead: result.kind === "gone" };
  }
  return sendThroughFcm(sink, device, content);
}

async function sendThroughFcm(sink: Extract<PushSink, { kind: "fcm" }>, device: Device, content: PushContent): Promise<SendOutcome> {
  const settings = sink.fcm;
  const message = fcmMessage(device.pushToken, content);
  try {
    let result = await sendFcm(settings, await accessToken(settings), message);
    if (!result.ok && result.kind === "unauthenticated") {
      forgetAccessToken(settings);
      result = await sendFcm(settings, await accessToken(settings), message);
    }
    if (result.ok) return { outcome: "sent" };
    const reason = `fcm_${result.status}_${result.errorCode.toLowerCase()}`;
    if (result.kind === "token_invalid" || result.kind === "permanent") return { outcome: "dropped", reason, tokenDead: result.kind === "token_invalid" };
    return {
      outcome: "retry",
      reason,
      ...(result.kind === "retry" && result.retryAfterSeconds !== undefined ? { retryAfterSeconds: result.retryAfterSeconds } : {}),
    };
  } catch (err) {
    if (err instanceof OAuthError) {
      return {
        outcome: "retry",
        reason: `oauth_${err.status ?? 0}`,
        ...(err.retryAfterSeconds !== undefined ? { retryAfterSeconds: err.retryAfterSeconds } : {}),
      };
    }
    throw err;
  }
}
