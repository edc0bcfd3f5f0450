import * as z from "zod";
import { fileIdSchema } from "./storage";

/**
 * StorageService's RPC surface beyond the HTTP shapes in ./storage (its inputs as they are): the
 * gateway's path parameter and what the chat worker asks before it stores a message with files.
 */

export const fileParamsSchema = z.object({ file_id: fileIdSchema });
export type FileParams = z.infer<typeof fileParamsSchema>;

/** From the chat worker: the sender's files named by a message's `attachments`, to share in its conversation. */
export const shareAttachmentsSchema = z.object({
  conversation_id: z.string().min(1).max(64),
  file_ids: z.array(fileIdSchema).min(1).max(100),
});
export type ShareAttachmentsInput = z.infer<typeof shareAttachmentsSchema>;

/** From the chat worker: files of messages its disappearing timer erased; only files shared in that conversation go. */
export const expiredAttachmentsSchema = shareAttachmentsSchema;
export type ExpiredAttachmentsInput = z.infer<typeof expiredAttachmentsSchema>;
