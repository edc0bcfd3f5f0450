import type { DownloadUrlResponse, ListFilesRequest, ListFilesResponse, QuotaResponse } from "../../../lib/contracts/storage";
import { AppError } from "../../../lib/errors";
import { log } from "../../../lib/log";
import { objectUrl, s3Credentials, storageConfig } from "./config";
import type { StorageCall } from "./context";
import { attachmentDisposition, toFileView } from "./file-view";
import { presign } from "./presign";

const notFound = () => new AppError("NOT_FOUND", "No such file.");

/**
 * The owner, members of the conversation the file was shared in, and anyone signed in while the file
 * is its owner's avatar (a public profile shows it); everyone else sees nothing.
 */
export async function downloadUrl(call: StorageCall, fileId: string): Promise<DownloadUrlResponse> {
  const { env, db, userId, origin, now } = call;
  const credentials = s3Credentials(env);
  const file = await db.files.get(fileId);
  if (!file || file.status !== "completed") throw notFound();
  if (file.ownerId !== userId) {
    const shared = file.conversationId !== null && (await db.conversations.isMember(file.conversationId, userId));
    if (!shared && (await db.users.findById(file.ownerId))?.avatarFileId !== fileId) throw notFound();
  }
  const url = objectUrl(env, origin, file.objectKey);
  // Signed into the URL: the object downloads as an attachment under its name, never renders inline.
  url.searchParams.set("response-content-disposition", attachmentDisposition(file.fileName));
  const signed = await presign({ method: "GET", url, credentials, now });
  return { download_url: signed.url, expires_at: signed.expiresAt, file: toFileView(file) };
}

/**
 * Owner only. The object goes first and the row second: if the database step fails, a retry finds
 * the row still there and finishes the job (deleting a missing object is a no-op), so neither an
 * orphaned object nor a row pointing at nothing survives a retried request.
 */
export async function deleteFile(call: StorageCall, fileId: string): Promise<void> {
  const { env, db, userId, now, requestId } = call;
  const file = await db.files.get(fileId);
  if (!file || file.ownerId !== userId || file.status === "deleted") throw notFound();
  await env.FILES_BUCKET.delete(file.objectKey);
  const deleted = await db.files.markDeleted(file.id, now.toISOString());
  if (!deleted) throw notFound();
  log({ event: "file_state", file_id: file.id, status: deleted.status, request_id: requestId });
}

/** The caller's completed files, newest first; `before` is the id of the previous page's last file. */
export async function listFiles(call: StorageCall, input: ListFilesRequest): Promise<ListFilesResponse> {
  const { db, userId } = call;
  let before: { createdAt: string; id: string } | undefined;
  if (input.before !== undefined) {
    const cursor = await db.files.get(input.before);
    if (!cursor || cursor.ownerId !== userId) {
      throw new AppError("VALIDATION_ERROR", "The request is not valid.", [{ field: "before", message: "must be the id of one of your files" }]);
    }
    before = { createdAt: cursor.createdAt, id: cursor.id };
  }
  const rows = await db.files.listPageByOwner(userId, { limit: input.limit + 1, status: "completed", ...(before ? { before } : {}) });
  return { files: rows.slice(0, input.limit).map(toFileView), has_more: rows.length > input.limit };
}

export async function quota(call: StorageCall): Promise<QuotaResponse> {
  const { env, db, userId } = call;
  const [row, fileCount] = await Promise.all([db.files.getQuota(userId, storageConfig(env).quotaBytes), db.files.completedFileCount(userId)]);
  return { used_bytes: row.usedBytes, reserved_bytes: row.reservedBytes, quota_bytes: row.quotaBytes, file_count: fileCount };
}
