import type { PushJob, PushTarget } from "../../../../lib/contracts/queues";
import type { AccountControlsRepository } from "../../../../lib/db";

/**
 * Recipients who asked not to get this push (issue 21): those who muted the conversation (messages
 * and calls alike; the messages are still delivered, only the push is dropped), and those who block
 * the sender or caller. Key-directory pushes concern the recipient's own devices and always go.
 */
export async function unwantedRecipients(job: PushJob, targets: readonly PushTarget[], controls: AccountControlsRepository): Promise<Set<string>> {
  if (job.kind === "prekeys_low") return new Set();
  const userIds = [...new Set(targets.map((t) => t.user_id))];
  const from = job.kind === "message" ? job.sender_id : job.caller_id;
  const [muted, blocking] = await Promise.all([controls.mutedAmong(job.conversation_id, userIds), controls.blockersOf(from, userIds)]);
  return new Set([...muted, ...blocking]);
}
