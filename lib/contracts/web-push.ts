import * as z from "zod";

/**
 * Web Push (RFC 8030/8291/8292): the browser's PushSubscription as a device's `push_token`, the
 * payload the chat worker encrypts to it, and the VAPID public key the app subscribes with.
 */

/**
 * `PushSubscription.toJSON()`, as the JSON text of a web device's `push_token`: an https endpoint,
 * `p256dh` the browser's uncompressed P-256 public key (65 bytes: 87 base64url characters, the first
 * byte 0x04 so the first character "B") and `auth` its 16-byte secret (22 characters). Padding is
 * tolerated. Which hosts an endpoint may name is checked apart (./web-push-endpoint.ts).
 */
export const webPushSubscriptionSchema = z.object({
  endpoint: z.url({ protocol: /^https$/ }).max(2048),
  expirationTime: z.number().nullable().optional(),
  keys: z.object({
    p256dh: z.string().regex(/^B[A-Za-z0-9_-]{86}=?$/, "an uncompressed P-256 public key, base64url (65 bytes)"),
    auth: z.string().regex(/^[A-Za-z0-9_-]{21}[AQgw](==)?$/, "a 16-byte auth secret, base64url"),
  }),
});
export type WebPushSubscription = z.infer<typeof webPushSubscriptionSchema>;

/** A web device's `push_token` text as a subscription, or undefined when it is not one. */
export function parseWebPushToken(pushToken: string): WebPushSubscription | undefined {
  try {
    const parsed = webPushSubscriptionSchema.safeParse(JSON.parse(pushToken));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** The one stored form of a subscription, so registering it again finds the same device. */
export function canonicalWebPushToken(subscription: WebPushSubscription): string {
  const { endpoint, keys } = subscription;
  return JSON.stringify({ endpoint, keys: { p256dh: keys.p256dh, auth: keys.auth } });
}

/** What a web push decrypts to in the service worker: the same ids-only data as an FCM push. */
export const webPushPayloadSchema = z.object({
  data: z.record(z.string(), z.string()),
  notification: z.object({ title: z.string(), body: z.string() }).optional(),
});
export type WebPushPayload = z.infer<typeof webPushPayloadSchema>;

/** `GET /v1/push/vapid-public-key`: the application server key for `pushManager.subscribe`. */
export const vapidPublicKeySchema = z
  .object({
    public_key: z
      .string()
      .regex(/^B[A-Za-z0-9_-]{86}$/)
      .meta({ description: "The VAPID public key (uncompressed P-256 point, base64url): applicationServerKey for PushManager.subscribe." }),
  })
  .meta({ id: "VapidPublicKey" });
export type VapidPublicKey = z.infer<typeof vapidPublicKeySchema>;
