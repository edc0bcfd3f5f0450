/**
 * Delivery mechanics shared by the EMAIL, PUSH and ACCOUNT queue consumers: idempotency markers, backoff,
 * dead-lettering of poison bodies and one log line + one metric data point per outcome.
 */
import { isDecimalDigits } from "./contracts/decimal-param";
import { log } from "./log";

export type NotificationQueue = "email" | "push" | "account";
export type DeliveryOutcome = "sent" | "dev_sink" | "retry" | "dropped" | "dead_letter" | "duplicate";

/** Markers outlive Queues' longest retention (14 days), so any redelivery still finds them. */
export const SENT_MARKER_TTL_SECONDS = 14 * 24 * 60 * 60;
/** Queues accepts at most 12 hours of delay for a retry. */
const MAX_DELAY_SECONDS = 12 * 60 * 60;
const BASE_DELAY_SECONDS = 10;
const MAX_BACKOFF_SECONDS = 10 * 60;

export function sentMarkerKey(idempotencyKey: string): string {
  return `sent:${idempotencyKey}`;
}

export async function alreadySent(kv: KVNamespace, idempotencyKey: string): Promise<boolean> {
  return (await kv.get(sentMarkerKey(idempotencyKey))) !== null;
}

/** Written only after the provider accepted the message, so a failure before it is retried. */
export async function markSent(kv: KVNamespace, idempotencyKey: string): Promise<void> {
  await kv.put(sentMarkerKey(idempotencyKey), new Date().toISOString(), { expirationTtl: SENT_MARKER_TTL_SECONDS });
}

/**
 * Delay before the next attempt: the provider's Retry-After when it gave one, else exponential
 * (10 s, 20 s, 40 s, ... capped at 10 minutes) from the number of attempts so far.
 */
export function backoffSeconds(attempts: number, retryAfterSeconds?: number): number {
  if (retryAfterSeconds !== undefined && Number.isFinite(retryAfterSeconds)) {
    return Math.min(Math.max(Math.ceil(retryAfterSeconds), 1), MAX_DELAY_SECONDS);
  }
  const exponent = Math.max(0, Math.min(attempts - 1, 16));
  return Math.min(BASE_DELAY_SECONDS * 2 ** exponent, MAX_BACKOFF_SECONDS);
}

/** A Retry-After header (delta-seconds or HTTP-date) in seconds, or undefined when absent/invalid. */
export function parseRetryAfter(header: string | null, now: number = Date.now()): number | undefined {
  if (header === null || header.trim() === "") return undefined;
  const trimmed = header.trim();
  if (isDecimalDigits(trimmed, Infinity)) return Number(trimmed);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - now) / 1000));
}

export interface OutcomeRecord {
  queue: NotificationQueue;
  outcome: DeliveryOutcome;
  /** The job kind (verify_email, message, incoming_call, ...) or "invalid" for a poison body. */
  kind: string;
  /** A short machine reason (smtp_550, fcm_unregistered, validation, ...); never user data. */
  reason?: string;
  requestId?: string;
}

/** One JSON log line and one Analytics Engine data point per delivery outcome. */
export function recordOutcome(metrics: AnalyticsEngineDataset | undefined, record: OutcomeRecord): void {
  const level = record.outcome === "dead_letter" ? "error" : record.outcome === "retry" || record.outcome === "dropped" ? "warn" : "info";
  log(
    {
      event: "queue_message",
      queue: record.queue,
      outcome: record.outcome,
      kind: record.kind,
      ...(record.reason !== undefined ? { reason: record.reason } : {}),
      ...(record.requestId !== undefined ? { request_id: record.requestId } : {}),
    },
    level,
  );
  // blob1 = queue, blob2 = outcome, blob3 = kind, blob4 = reason; index = queue (sampling key).
  metrics?.writeDataPoint({
    indexes: [record.queue],
    blobs: [record.queue, record.outcome, record.kind, record.reason ?? ""],
    doubles: [1],
  });
}

/**
 * A body that can never be processed (fails validation): retrying it would only delay it into
 * the DLQ after max_retries, so it goes to the DLQ now, unchanged (replayable once the producer
 * is fixed), and is acked. If the DLQ itself refuses, the message is retried instead of lost.
 */
export async function deadLetter(
  message: Message,
  dlq: Queue,
  metrics: AnalyticsEngineDataset | undefined,
  queue: NotificationQueue,
  reason: string,
): Promise<void> {
  try {
    await dlq.send(message.body, { contentType: contentTypeOf(message.body) });
    message.ack();
    recordOutcome(metrics, { queue, outcome: "dead_letter", kind: "invalid", reason });
  } catch {
    message.retry({ delaySeconds: backoffSeconds(message.attempts) });
    recordOutcome(metrics, { queue, outcome: "retry", kind: "invalid", reason: "dlq_send_failed" });
  }
}

function contentTypeOf(body: unknown): QueueContentType {
  if (typeof body === "string") return "text";
  if (body instanceof ArrayBuffer || ArrayBuffer.isView(body)) return "bytes";
  return "json";
}
