/**
 * What the chat worker's account-jobs consumer asks of storage (workers/chat/src/accounts/): erase a
 * deleted account's files, list files with links for an export, hand out a file's bytes a range at a
 * time (only storage holds FILES_BUCKET), and write the export archive into R2 (a multipart upload,
 * one part per call) and presign it. The caller is the account itself.
 */
import {
  ACCOUNT_FILES_PAGE,
  type ArchiveLink,
  type ArchiveLinkInput,
  type CompleteExportInput,
  type ErasedFiles,
  type ExportFileRange,
  type ExportFileRangeInput,
  type ExportFilesPage,
  type ExportFilesPageInput,
  type ExportPart,
  type ExportPartInput,
  type ExportUpload,
} from "../../../lib/contracts/storage-rpc";
import { EXPORT_LIFETIME_SECONDS } from "../../../lib/contracts/account";
import { AppError } from "../../../lib/errors";
import { log } from "../../../lib/log";
import { objectUrl, s3Credentials } from "./config";
import type { StorageCall } from "./context";
import { attachmentDisposition } from "./file-view";
import { presign } from "./presign";

/** Where a user's archives live; the key names the export, never the user's name. */
export const exportKey = (userId: string, exportId: string): string => `exports/${userId}/${exportId}.jsonl`;

/** One page: the objects go first, then the rows, so a retry after a failure finds the rows and finishes. */
export async function eraseUserFiles(call: StorageCall): Promise<ErasedFiles> {
  const { env, db, userId, requestId } = call;
  const rows = await db.files.listAnyStatusByOwner(userId, ACCOUNT_FILES_PAGE);
  if (rows.length > 0) await env.FILES_BUCKET.delete(rows.map((r) => r.objectKey));
  const erased = await db.files.eraseRows(
    userId,
    rows.map((r) => r.id),
  );
  const more = rows.length === ACCOUNT_FILES_PAGE;
  if (!more) {
    await db.files.eraseQuota(userId);
    // Archives of earlier exports (the row that named them went with the account's credentials).
    const archives = await env.FILES_BUCKET.list({ prefix: `exports/${userId}/` });
    if (archives.objects.length > 0) await env.FILES_BUCKET.delete(archives.objects.map((o) => o.key));
  }
  log({ event: "account_erasure", step: "files", user_id: userId, count: erased, request_id: requestId });
  return { erased, more };
}

async function presignGet(call: StorageCall, key: string, fileName: string, ttlSeconds: number): Promise<{ url: string; expiresAt: string }> {
  const url = objectUrl(call.env, call.origin, key);
  url.searchParams.set("response-content-disposition", attachmentDisposition(fileName));
  return presign({ method: "GET", url, credentials: s3Credentials(call.env), now: call.now, ttlSeconds });
}

/** The caller's completed files, newest first, each with a link that works as long as the archive. */
export async function exportFilesPage(call: StorageCall, input: ExportFilesPageInput): Promise<ExportFilesPage> {
  const { db, userId } = call;
  let before: { createdAt: string; id: string } | undefined;
  if (input.after !== undefined) {
    const cursor = await db.files.get(input.after);
    if (cursor && cursor.ownerId === userId) before = { createdAt: cursor.createdAt, id: cursor.id };
  }
  const rows = await db.files.listPageByOwner(userId, { limit: ACCOUNT_FILES_PAGE + 1, status: "completed", ...(before ? { before } : {}) });
  const page = rows.slice(0, ACCOUNT_FILES_PAGE);
  const files = await Promise.all(
    page.map(async (row) => {
      const link = await presignGet(call, row.objectKey, row.fileName, EXPORT_LIFETIME_SECONDS);
      return {
        id: row.id,
        file_name: row.fileName,
        content_type: row.contentType,
        size_bytes: row.sizeBytes,
        conversation_id: row.conversationId,
        created_at: row.createdAt,
        download_url: link.url,
        expires_at: link.expiresAt,
      };
    }),
  );
  const last = page[page.length - 1];
  return { files, next_after: rows.length > ACCOUNT_FILES_PAGE && last ? last.id : null };
}

/**
 * Up to `length` bytes of one of the caller's completed files from `offset` (R2 reads only that
 * range). Another user's file, an upload not completed and a deleted one are alike NOT_FOUND.
 */
export async function exportFileRange(call: StorageCall, input: ExportFileRangeInput): Promise<ExportFileRange> {
  const row = await call.db.files.get(input.file_id);
  if (!row || row.ownerId !== call.userId || row.status !== "completed") throw new AppError("NOT_FOUND", "No such file.");
  if (input.offset > row.sizeBytes) {
    throw new AppError("VALIDATION_ERROR", "The offset is past the file's end.", [{ field: "offset", message: `must be at most ${row.sizeBytes}` }]);
  }
  const length = Math.min(input.length, row.sizeBytes - input.offset);
  const range = { file_id: row.id, offset: input.offset, size_bytes: row.sizeBytes };
  if (length === 0) return { ...range, data: new Uint8Array(0) };
  const object = await call.env.FILES_BUCKET.get(row.objectKey, { range: { offset: input.offset, length } });
  // The row says completed but the object went (a deletion racing with this read): gone as well.
  if (!object) throw new AppError("NOT_FOUND", "No such file.");
  return { ...range, data: new Uint8Array(await object.arrayBuffer()) };
}

export async function beginExportArchive(call: StorageCall, exportId: string): Promise<ExportUpload> {
  const key = exportKey(call.userId, exportId);
  const upload = await call.env.FILES_BUCKET.createMultipartUpload(key, { httpMetadata: { contentType: "application/x-ndjson" } });
  return { key, upload_id: upload.uploadId };
}

/** Only the caller's own archives: a key outside their prefix is NOT_FOUND. */
function ownKey(call: StorageCall, key: string): string {
  if (!key.startsWith(`exports/${call.userId}/`)) throw new AppError("NOT_FOUND", "No such export.");
  return key;
}

export async function putExportPart(call: StorageCall, input: ExportPartInput): Promise<ExportPart> {
  const upload = call.env.FILES_BUCKET.resumeMultipartUpload(ownKey(call, input.key), input.upload_id);
  const part = await upload.uploadPart(input.part_number, input.data);
  return { part_number: part.partNumber, etag: part.etag };
}

export async function completeExportArchive(call: StorageCall, input: CompleteExportInput): Promise<null> {
  const upload = call.env.FILES_BUCKET.resumeMultipartUpload(ownKey(call, input.key), input.upload_id);
  await upload.complete(input.parts.map((p) => ({ partNumber: p.part_number, etag: p.etag })));
  return null;
}

/** A presigned GET of the caller's archive, never valid past the archive's own end. */
export async function archiveLink(call: StorageCall, input: ArchiveLinkInput): Promise<ArchiveLink> {
  const left = Math.floor((Date.parse(input.expires_at) - call.now.getTime()) / 1000);
  if (!(left > 0)) throw new AppError("NOT_FOUND", "The export has expired.");
  const link = await presignGet(call, ownKey(call, input.key), "secureconnect-export.jsonl", Math.min(input.ttl_seconds, left));
  return { download_url: link.url, expires_at: link.expiresAt };
}
