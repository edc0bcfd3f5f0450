/**
 * Helpers of the notification tests: queue batches for the real consumers, push devices through
 * the real gateway, and polling of the dev sinks (the queue consumer runs asynchronously).
 */
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { BASE, type TestUser } from "../helpers/auth";

export interface QueueRun {
  explicitAcks: string[];
  retryMessages: { msgId: string; delaySeconds?: number }[];
  ids: string[];
}

type QueueHandler<E> = (batch: MessageBatch<unknown>, env: E, ctx: ExecutionContext) => Promise<void>;

/** Runs one batch through a consumer and answers what it acked and retried. */
export async function runBatch<E>(queue: string, handler: QueueHandler<E>, env: E, bodies: unknown[], attempts = 1, ids?: string[]): Promise<QueueRun> {
  const messageIds = ids ?? bodies.map(() => crypto.randomUUID());
  const batch = createMessageBatch<unknown>(
    queue,
    bodies.map((body, i) => ({ id: messageIds[i] ?? crypto.randomUUID(), timestamp: new Date(), attempts, body })),
  );
  // getQueueResult() reports which messages were retried but not their delay: record it on the way.
  const delays = new Map<string, number | undefined>();
  for (const message of batch.messages) {
    const retry = message.retry.bind(message);
    Object.defineProperty(message, "retry", {
      value: (options?: QueueRetryOptions) => {
        delays.set(message.id, options?.delaySeconds);
        retry(options);
      },
    });
  }
  const ctx = createExecutionContext();
  await handler(batch, env, ctx);
  // FetcherQueueResult is not in the generated runtime types; these are the fields we read.
  const result: { explicitAcks: string[]; retryMessages: { msgId: string }[] } = await getQueueResult(batch, ctx);
  return {
    explicitAcks: [...result.explicitAcks],
    retryMessages: result.retryMessages.map((r) => {
      const delaySeconds = delays.get(r.msgId);
      return delaySeconds === undefined ? { msgId: r.msgId } : { msgId: r.msgId, delaySeconds };
    }),
    ids: messageIds,
  };
}

/** Sets the push token of the user's session device (one session = one device: a second device needs `signInAgain`). */
export async function registerDevice(user: TestUser, pushToken: string, platform: "android" | "ios" | "web" = "android"): Promise<string> {
  const res = await exports.default.fetch(`${BASE}/v1/users/me/devices`, {
    method: "POST",
    headers: user.headers,
    body: JSON.stringify({ platform, push_token: pushToken }),
  });
  if (res.status !== 201) throw new Error(`registerDevice answered ${res.status}: ${await res.text()}`);
  return (await res.json<{ device_id: string }>()).device_id;
}

/** The user's devices that push can reach (those with a push token). */
export async function listPushDeviceIds(user: TestUser): Promise<string[]> {
  const res = await exports.default.fetch(`${BASE}/v1/users/me/devices`, { headers: user.headers });
  const body = await res.json<{ devices: { device_id: string; has_push_token: boolean }[] }>();
  return body.devices.filter((d) => d.has_push_token).map((d) => d.device_id);
}

/** Polls a /dev/* route until `ready` accepts its answer (or gives up after `timeoutMs`). */
export async function pollDev<T>(path: string, ready: (body: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await exports.default.fetch(`${BASE}${path}`);
    const body = await res.json<T>();
    if (res.status === 200 && ready(body)) return body;
    if (Date.now() > deadline) return body;
    await new Promise((r) => setTimeout(r, 200));
  }
}

export function uniqueKey(prefix: string): string {
  return `${prefix}:${crypto.randomUUID()}`;
}
