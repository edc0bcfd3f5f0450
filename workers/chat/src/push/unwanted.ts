import type { PushJob, PushTarget } from "../../../../lib/contracts/queues";
import type { AccountControlsRepository } from "../../../../lib/db";

/**
 * Recipients who asked not to get this push (issue 21): those who muted the conversation (messages
 * and calls alike; the messages are still delivered, only the push is dropped), those who block
 * the sender, and for a call everyone the caller blocks or who blocks the caller. Key-directory pushes concern the recipient's own devices and always go.
 */
export async function unwantedRecipients(job: PushJob, targets: readonly PushTarget[], controls: AccountControlsRepository): Promise<Set<string>> {
  if (job.kind === "prekeys_low") return new Set();
  const userIds = [...new Set(targets.map((t) => t.user_id))];
  // A message pushes nobody who blocks its sender; a call rings nobody blocked either way (as the room's ring: rooms/room-blocks.ts).
  const blocking = job.kind === "message" ? controls.blockersOf(job.sender_id, userIds) : controls.hiddenFrom(job.caller_id, userIds);
  const [muted, unwanted] = await Promise.all([controls.mutedAmong(job.conversation_id, userIds), blocking]);
  return new Set([...muted, ...unwanted]);
}
