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

export async function enqueuePushJobs(queue: Queue, jobs: readonly PushJob[]): Promise<void> {
  try {
    for (let i = 0; i < jobs.length; i += BATCH) {
      await queue.sendBatch(jobs.slice(i, i + BATCH).map((body) => ({ body, contentType: "json" as const })));
    }
  } catch (err) {
    // The message is stored and delivered to open sockets; a lost wake-up is logged, not fatal.
    log({ event: "queue_message", queue: "push", outcome: "dropped", reason: describeError(err) }, "warn");
  }
}
