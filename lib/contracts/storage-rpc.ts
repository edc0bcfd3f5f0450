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

/* ---------- account erasure and data export (from the chat worker's account-jobs consumer) ---------- */

/** Files one erasure or export call handles at most; the consumer calls again while `more`. */
export const ACCOUNT_FILES_PAGE = 100;

/** One page of the deleted caller's files erased (R2 objects first, then the rows; the quota row with the last page). */
export const erasedFilesSchema = z.object({ erased: z.number().int().nonnegative(), more: z.boolean() });
export type ErasedFiles = z.infer<typeof erasedFilesSchema>;

/** A page of the caller's completed files for their export, each with a presigned GET valid as long as the archive. */
export const exportFilesPageInputSchema = z.object({ after: z.string().max(64).optional() });
export type ExportFilesPageInput = z.infer<typeof exportFilesPageInputSchema>;
export const exportFilesPageSchema = z.object({
  files: z.array(
    z.object({
      id: z.string(),
      file_name: z.string(),
      content_type: z.string(),
      size_bytes: z.number(),
      conversation_id: z.string().nullable(),
      created_at: z.string(),
      download_url: z.string(),
      expires_at: z.string(),
    }),
  ),
  /** Pass as `after` for the next page; null on the last. */
  next_after: z.string().nullable(),
});
export type ExportFilesPage = z.infer<typeof exportFilesPageSchema>;

/**
 * A file's bytes for the export come this many at a time (exportFileRange): an RPC payload stays
 * about 1 MiB, and the consumer holds one chunk (and its base64 line), never a whole file.
 */
export const EXPORT_FILE_CHUNK_BYTES = 1024 * 1024;
/** A byte range of one of the caller's completed files; a file of another user, or not completed, is NOT_FOUND. */
export const exportFileRangeInputSchema = z.object({
  file_id: fileIdSchema,
  offset: z.number().int().nonnegative(),
  length: z.number().int().min(1).max(EXPORT_FILE_CHUNK_BYTES),
});
export type ExportFileRangeInput = z.infer<typeof exportFileRangeInputSchema>;
/** `data` is at most `length` bytes from `offset`: fewer only at the file's end (`size_bytes`). */
export const exportFileRangeSchema = z.object({
  file_id: z.string(),
  offset: z.number().int().nonnegative(),
  size_bytes: z.number().int().nonnegative(),
  data: z.instanceof(Uint8Array),
});
export type ExportFileRange = z.infer<typeof exportFileRangeSchema>;

/**
 * The archive is written as an R2 multipart upload so the consumer never holds more than one part:
 * every part but the last is exactly EXPORT_PART_BYTES (R2 wants equal parts of at least 5 MiB).
 */
export const EXPORT_PART_BYTES = 5 * 1024 * 1024;
/** A link handed out on request (GET /v1/users/me/export): as long as every other presigned URL. */
export const PRESIGN_LINK_SECONDS = 15 * 60;
export const exportArchiveSchema = z.object({ export_id: z.string().min(1).max(64) });
export type ExportArchiveInput = z.infer<typeof exportArchiveSchema>;
export const exportUploadSchema = z.object({ key: z.string().max(256), upload_id: z.string().max(1024) });
export type ExportUpload = z.infer<typeof exportUploadSchema>;
export const exportPartInputSchema = exportUploadSchema.extend({
  part_number: z.number().int().min(1).max(10_000),
  data: z.instanceof(Uint8Array).refine((d) => d.byteLength <= EXPORT_PART_BYTES, "at most one part"),
});
export type ExportPartInput = z.infer<typeof exportPartInputSchema>;
export const exportPartSchema = z.object({ part_number: z.number().int(), etag: z.string() });
export type ExportPart = z.infer<typeof exportPartSchema>;
export const completeExportInputSchema = exportUploadSchema.extend({ parts: z.array(exportPartSchema).min(1).max(10_000) });
export type CompleteExportInput = z.infer<typeof completeExportInputSchema>;
/** A presigned GET of an archive, at most `expires_at` (the archive's own end) away. */
export const archiveLinkInputSchema = z.object({ key: z.string().max(256), expires_at: z.string().max(64), ttl_seconds: z.number().int().min(1) });
export type ArchiveLinkInput = z.infer<typeof archiveLinkInputSchema>;
export const archiveLinkSchema = z.object({ download_url: z.string(), expires_at: z.string() });
export type ArchiveLink = z.infer<typeof archiveLinkSchema>;

/** From the chat worker: files of messages its disappearing timer erased; only files shared in that conversation go. */
export const expiredAttachmentsSchema = shareAttachmentsSchema;
export type ExpiredAttachmentsInput = z.infer<typeof expiredAttachmentsSchema>;
