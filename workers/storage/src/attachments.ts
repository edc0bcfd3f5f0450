import type { ShareAttachmentsInput } from "../../../lib/contracts/storage-rpc";
import { AppError, type ErrorDetail } from "../../../lib/errors";
import type { StorageCall } from "./context";

/**
 * A message may carry only the sender's own completed files (the upload was verified). Each one is
 * then shared in the message's conversation, which is what lets its members download it (see
 * downloadUrl). A file already shared in another conversation stays there: one file, one audience.
 * Every refusal is the same VALIDATION_ERROR naming the attachment, whether the id is unknown,
 * someone else's or still uploading, so a sender learns nothing about other people's files.
 * Shares made before a refusal stay: each was the sender's own file, sent to this conversation.
 */
export async function shareAttachments(call: StorageCall, input: ShareAttachmentsInput): Promise<void> {
  const { db, userId } = call;
  const details: ErrorDetail[] = [];
  for (const [index, fileId] of input.file_ids.entries()) {
    const shared = await db.files.shareInConversation(fileId, userId, input.conversation_id);
    if (shared) continue;
    const file = await db.files.get(fileId);
    const mine = file !== null && file.ownerId === userId && file.status === "completed";
    details.push({
      field: `attachments.${index}`,
      message: mine
        ? "was shared in another conversation; upload it again to share it here"
        : "must be the id of one of your uploaded files (upload-complete first)",
    });
  }
  if (details.length > 0) throw new AppError("VALIDATION_ERROR", "An attachment is not one of your uploaded files.", details);
}
