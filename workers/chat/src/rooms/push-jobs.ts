import type { MessageView } from "../../../../lib/contracts/chat";
import { pushJobSchema, type PushJob } from "../../../../lib/contracts/queues";
import { describeError, log } from "../../../../lib/log";

/** Queues take at most 100 messages per sendBatch. */
const BATCH = 100;

/**
 * Wake-up pushes for members with no socket open in this room. The body carries ids only: no
 * plaintext preview by default and never anything of a `ciphertext` message. The idempotency key
 * (conversation, seq, user) lets the consumer drop redeliveries.
 */
export function messagePushJobs(message: MessageView, recipients: readonly string[], requestId: string): PushJob[] {
  return recipients.map((userId) =>
    pushJobSchema.parse({
      kind: "message",
      idempotency_key: `msg:${message.conversation_id}:${message.seq}:${userId}`,
      request_id: requestId,
      user_id: userId,
      conversation_id: message.conversation_id,
      seq: message.seq,
      sender_id: message.sender_id,
    }),
  );
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
