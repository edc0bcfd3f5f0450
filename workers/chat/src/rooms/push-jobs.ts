import type { MessageView } from "../../../../lib/contracts/chat";
import type { CallSummary } from "../../../../lib/contracts/chat-frames";
import { PUSH_TARGETS_MAX, pushJobSchema, type PushJob } from "../../../../lib/contracts/queues";
import { describeError, log } from "../../../../lib/log";
import type { StoredBatch } from "./send-batcher";

/** Queues take at most 100 messages per sendBatch. */
const BATCH = 100;

/** One wake-up per (conversation, recipient) per this interval; FCM/APNs also collapse by conversation (collapse key). */
export const PUSH_COLLAPSE_MS = 10_000;

/**
 * Wake-up pushes for members with no socket open in this room and no device stream open. The body
 * carries ids only: no plaintext preview by default and never anything of a `ciphertext` message.
 * Many recipients ride in one queue message (PUSH_TARGETS_MAX each); the consumer's per-device
 * marker (idempotency key + device id) drops redeliveries.
 */
export function messagePushJobs(message: MessageView, recipients: readonly string[], requestId: string): PushJob[] {
  const jobs: PushJob[] = [];
  for (let i = 0; i * PUSH_TARGETS_MAX < recipients.length; i++) {
    const part = recipients.slice(i * PUSH_TARGETS_MAX, (i + 1) * PUSH_TARGETS_MAX);
    jobs.push(
      pushJobSchema.parse({
        kind: "message",
        idempotency_key: `msg:${message.conversation_id}:${message.seq}:${i}`,
        request_id: requestId,
        targets: part.map((userId) => ({ user_id: userId })),
        conversation_id: message.conversation_id,
        seq: message.seq,
        sender_id: message.sender_id,
      }),
    );
  }
  return jobs;
}

/** Per recipient the newest message of the flush someone else sent; recipients of one message share its jobs. */
export function offlinePushJobs(batch: StoredBatch, recipients: readonly string[]): PushJob[] {
  const bySeq = new Map<number, { item: StoredBatch[number]; userIds: string[] }>();
  for (const userId of recipients) {
    const item = batch.findLast(({ message }) => message.sender_id !== userId);
    if (!item) continue;
    const group = bySeq.get(item.message.seq);
    if (group) group.userIds.push(userId);
    else bySeq.set(item.message.seq, { item, userIds: [userId] });
  }
  return [...bySeq.values()].flatMap(({ item, userIds }) => messagePushJobs(item.message, userIds, item.requestId));
}

/** A high-priority ring for members without a live connection (same idempotency key as the calls worker's, so one ring each). */
export function incomingCallPushJobs(call: CallSummary, userIds: readonly string[], requestId: string): PushJob[] {
  return userIds.map((userId) =>
    pushJobSchema.parse({
      kind: "incoming_call",
      idempotency_key: `call:${call.id}:${userId}`,
      request_id: requestId,
      user_id: userId,
      call_id: call.id,
      conversation_id: call.conversation_id,
      caller_id: call.initiator_id,
      call_type: call.type,
    }),
  );
}

/**
 * Collapses wake-ups per recipient of this room (so per conversation and device): the first message
 * after a quiet spell pushes at once, later ones within PUSH_COLLAPSE_MS push nothing (the device
 * fetches everything when it wakes up, as a collapsed notification would show). Memory only: a room
 * that restarts may push once more, never less.
 */
export class PushCollapse {
  private readonly lastPushAt = new Map<string, number>();

  admit(userIds: readonly string[], now: number): string[] {
    if (this.lastPushAt.size > 4 * 1024) this.forgetBefore(now - PUSH_COLLAPSE_MS);
    const admitted = userIds.filter((userId) => now - (this.lastPushAt.get(userId) ?? -Infinity) >= PUSH_COLLAPSE_MS);
    for (const userId of admitted) this.lastPushAt.set(userId, now);
    return admitted;
  }

  private forgetBefore(cutoff: number): void {
    for (const [userId, at] of this.lastPushAt) if (at < cutoff) this.lastPushAt.delete(userId);
  }
}

/**
 * Coalesces wake-ups: at most one `sendBatch` is in flight per room, and jobs that arrive meanwhile
 * ride in the next batch. A burst of N messages costs about N×recipients/100 queue calls, not N.
 * Best effort by design: a room evicted with jobs still buffered loses those wake-ups (the messages
 * themselves are stored and replayed with since_seq); failures are logged.
 */
export class PushBatcher {
  private pending: PushJob[] = [];
  private running = false;

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly queue: Queue,
  ) {}

  add(jobs: readonly PushJob[]): void {
    this.pending.push(...jobs);
    if (this.running) return;
    this.running = true;
    this.ctx.waitUntil(this.drain());
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        const batch = this.pending.splice(0, BATCH);
        try {
          await this.queue.sendBatch(batch.map((body) => ({ body, contentType: "json" as const })));
        } catch (err) {
          log({ event: "queue_message", queue: "push", outcome: "dropped", reason: describeError(err) }, "warn");
        }
      }
    } finally {
      this.running = false;
    }
  }
}
