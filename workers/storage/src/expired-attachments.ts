import type { ExpiredAttachmentsInput } from "../../../lib/contracts/storage-rpc";
import { log } from "../../../lib/log";
import type { StorageCall } from "./context";

/**
 * Files of messages a conversation's disappearing timer erased (the chat worker's room asks, in the
 * sender's name). Only the sender's files shared in that conversation go: the R2 object first, then
 * the row (which releases the quota), as a user's own delete does. Unknown or other files are skipped.
 */
export async function deleteExpiredAttachments(call: StorageCall, input: ExpiredAttachmentsInput): Promise<number> {
  const { env, db, userId, now, requestId } = call;
  let deleted = 0;
  for (const fileId of input.file_ids) {
    const file = await db.files.get(fileId);
    if (!file || file.ownerId !== userId || file.conversationId !== input.conversation_id || file.status === "deleted") continue;
    await env.FILES_BUCKET.delete(file.objectKey);
    if (await db.files.markDeleted(file.id, now.toISOString())) {
      deleted += 1;
      log({ event: "file_state", file_id: file.id, status: "deleted", request_id: requestId });
    }
  }
  return deleted;
}
