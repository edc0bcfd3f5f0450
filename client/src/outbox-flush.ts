import { ApiError } from "./errors";
import type { RestApi } from "./rest";
import type { OutboxStore } from "./stores";

export interface FlushResult {
  /** Stored by the server now (or already: the same client_id answers with the original message). */
  sent: number;
  /** Refused for good (not a member any more, too large, invalid): forgotten. */
  refused: number;
  /** Still persisted (offline, throttled, server error): the next flush or connection sends them. */
  kept: number;
}

/**
 * Sends this user's persisted unsent messages over REST, oldest first, without opening their
 * conversations (an app that restarts on its list). Safe alongside an open ChatConnection resending
 * the same ones: the server stores one message per client_id.
 */
export async function flushOutbox(api: RestApi, store: OutboxStore, userId: string): Promise<FlushResult> {
  const sends = (await store.load()).filter((send) => send.user_id === userId).sort((a, b) => a.queued_at - b.queued_at);
  const result: FlushResult = { sent: 0, refused: 0, kept: 0 };
  for (const send of sends) {
    const { type: _type, ...body } = send.frame;
    try {
      await api.messages.send(send.conversation_id, body);
      result.sent += 1;
    } catch (error) {
      if (!isFinal(error)) {
        result.kept += 1;
        continue;
      }
      result.refused += 1;
    }
    await store.delete(send.frame.client_id);
  }
  return result;
}

/** A 4xx other than throttling and timeouts will not change on a retry; network errors and 5xx may. */
function isFinal(error: unknown): boolean {
  return error instanceof ApiError && error.status >= 400 && error.status < 500 && error.status !== 408 && error.status !== 429 && error.status !== 401;
}
