/**
 * The dev push outbox: what would have gone to FCM, in development and tests without a service
 * account. Filled by the real PUSH consumer, read by GET /dev/push-outbox. Newest first, 1 day TTL.
 */
import { outboxMessageSchema, type OutboxMessage } from "../../../../lib/contracts/dev";
import { newId } from "../../../../lib/ids";
import type { PushContent } from "./message";

export const OUTBOX_TTL_SECONDS = 24 * 60 * 60;
const MAX_LISTED = 50;
const FAR_FUTURE_MS = 9_999_999_999_999;

function prefixFor(userId: string): string {
  return `outbox:${userId}:`;
}

export async function storeInOutbox(kv: KVNamespace, input: { userId: string; deviceId: string; pushToken: string; content: PushContent }): Promise<void> {
  const now = Date.now();
  const entry: OutboxMessage = {
    device_id: input.deviceId,
    push_token: input.pushToken,
    data: input.content.data,
    ...(input.content.notification !== undefined ? { notification: input.content.notification } : {}),
    created_at: new Date(now).toISOString(),
  };
  const order = String(FAR_FUTURE_MS - now).padStart(13, "0");
  await kv.put(`${prefixFor(input.userId)}${order}:${newId(now)}`, JSON.stringify(entry), { expirationTtl: OUTBOX_TTL_SECONDS });
}

/** Newest first, at most 50. */
export async function listOutbox(kv: KVNamespace, userId: string): Promise<OutboxMessage[]> {
  const listed = await kv.list({ prefix: prefixFor(userId), limit: MAX_LISTED });
  const values = await Promise.all(listed.keys.map((k) => kv.get(k.name, "json")));
  return values.flatMap((v) => {
    const parsed = outboxMessageSchema.safeParse(v);
    return parsed.success ? [parsed.data] : [];
  });
}
