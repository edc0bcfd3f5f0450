import { pushJobSchema, type PushJob } from "../../../../lib/contracts/queues";
import { sha256Hex } from "../../../../lib/ids";
import { describeError, log } from "../../../../lib/log";
import { durableObjectByName } from "../../../../lib/rpc";
import { onlineDevicesOf } from "../presence/presence-shards";

export interface PrekeysLowSignal {
  userId: string;
  deviceId: string;
  /** Unclaimed one-time prekeys left after the claim. */
  remaining: number;
  /** When the device last uploaded (key_devices.updated_at): a refill starts a new generation. */
  generation: string;
}

/**
 * The job's idempotency key: one per (user, device, upload generation, remaining count). Two
 * concurrent claims that both observe the same `remaining` produce the same key, so the consumer
 * sends one push; counts only go down between uploads, so each value is crossed once per
 * generation; and after the owner uploads again the generation changes, so the next drain signals
 * again instead of being swallowed as a duplicate. The device id and generation are hashed because
 * a device id may be 128 characters and the key is capped at 128.
 */
export async function prekeysLowKey(signal: PrekeysLowSignal): Promise<string> {
  const digest = await sha256Hex(`${signal.deviceId}\n${signal.generation}`);
  return `prekeys_low:${signal.userId}:${digest.slice(0, 24)}:${signal.remaining}`;
}

export async function prekeysLowJob(signal: PrekeysLowSignal, requestId: string): Promise<PushJob> {
  return pushJobSchema.parse({
    kind: "prekeys_low",
    idempotency_key: await prekeysLowKey(signal),
    request_id: requestId,
    user_id: signal.userId,
    device_id: signal.deviceId,
    remaining: signal.remaining,
  });
}

/**
 * Sends `prekeys_low` to the device's event stream when that stream is open. Only then: presence
 * lists a device for a user only after a verified socket of that user opened it, so a key-directory
 * device id the app chose (not a signed-in device, or another user's) never reaches, or claims, a
 * DeviceRoom. An offline device gets the push and sees `prekeys_low: true` on its next count.
 */
export async function prekeysLowToStream(env: ChatEnv, signal: PrekeysLowSignal): Promise<boolean> {
  const [online] = await onlineDevicesOf(env, [signal.userId]);
  if (!online?.device_ids.includes(signal.deviceId)) return false;
  await durableObjectByName(env.DEVICE_ROOM, signal.deviceId).publish(signal.userId, [{ kind: "keys", signal: "prekeys_low", remaining: signal.remaining }]);
  return true;
}

/**
 * Enqueues the `prekeys_low` push and tells the device's stream. A failure of either is logged,
 * not thrown: the prekey was already claimed and handed out, and failing the fetch would waste it;
 * the owner also sees `prekeys_low: true` on its next count.
 */
export function prekeysLowSender(env: ChatEnv, requestId: string) {
  const queue = env.PUSH_QUEUE as Queue<PushJob>;
  return async function sendPrekeysLow(signal: PrekeysLowSignal): Promise<void> {
    const [queued, toStream] = await Promise.allSettled([prekeysLowJob(signal, requestId).then((job) => queue.send(job)), prekeysLowToStream(env, signal)]);
    const enqueued = queued.status === "fulfilled";
    const streamed = toStream.status === "fulfilled" && toStream.value;
    for (const [where, settled] of [
      ["prekeys_low.enqueue", queued],
      ["prekeys_low.stream", toStream],
    ] as const) {
      if (settled.status === "rejected") log({ event: "unhandled_error", where, error: describeError(settled.reason), request_id: requestId }, "error");
    }
    log({ event: "prekeys_low", user_id: signal.userId, device_id: signal.deviceId, remaining: signal.remaining, enqueued, streamed, request_id: requestId });
  };
}
