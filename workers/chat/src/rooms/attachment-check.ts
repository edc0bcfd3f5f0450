import type { SendMessageInput } from "../../../../lib/contracts/chat";
import { AppError } from "../../../../lib/errors";
import { unwrap } from "../../../../lib/result";
import type { MessageStore } from "./message-store";
import type { RoomActions } from "./room-actions";
import type { RoomMembers } from "./room-members";

/** Runs before a send with attachments is queued; throws AppError to refuse it (nothing is stored). */
export type AdmitSend = (userId: string, input: SendMessageInput, requestId: string) => Promise<void>;

/**
 * A message may name only the sender's own completed files. The storage worker owns the files
 * table, so the room asks it (StorageService.shareAttachments), which also shares each file in this
 * conversation so its members can download it. Membership is checked first (a non-member learns
 * nothing about files), and a retried client_id is answered with the original without asking again.
 */
export function attachmentCheck(env: ChatEnv, actions: RoomActions, store: MessageStore, members: RoomMembers): AdmitSend {
  return async (userId, input, requestId) => {
    const fileIds = input.attachments ?? [];
    if (fileIds.length === 0) return;
    actions.requireMember(userId);
    if (store.byClientId(userId, input.client_id)) return;
    const conversationId = members.known?.conversationId;
    if (!conversationId) throw new AppError("NOT_FOUND", "No such conversation.");
    unwrap(await env.STORAGE.shareAttachments({ requestId, userId }, { conversation_id: conversationId, file_ids: fileIds }));
  };
}
