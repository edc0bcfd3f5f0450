import { pushJobSchema, type PushJob } from "../../../../lib/contracts/queues";
import { sha256Hex } from "../../../../lib/ids";
import { describeError, log } from "../../../../lib/log";

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
 * Enqueues the `prekeys_low` push. A failure to enqueue is logged, not thrown: the prekey was
 * already claimed and handed out, and failing the fetch would waste it; the owner also sees
 * `prekeys_low: true` on its next count.
 */
export function prekeysLowSender(queue: Queue<PushJob>, requestId: string) {
  return async function sendPrekeysLow(signal: PrekeysLowSignal): Promise<void> {
    let enqueued = true;
    try {
      await queue.send(await prekeysLowJob(signal, requestId));
    } catch (err) {
      enqueued = false;
      log({ event: "unhandled_error", where: "prekeys_low.enqueue", error: describeError(err), request_id: requestId }, "error");
    }
    log({ event: "prekeys_low", user_id: signal.userId, device_id: signal.deviceId, remaining: signal.remaining, enqueued, request_id: requestId });
  };
}
