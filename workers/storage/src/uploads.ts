import type { FileResponse, UploadUrlRequest, UploadUrlResponse } from "../../../lib/contracts/storage";
import { AppError } from "../../../lib/errors";
import { log } from "../../../lib/log";
import { bucketUrl, objectUrl, s3Credentials, storageConfig } from "./config";
import type { StorageCall } from "./context";
import { toFileView } from "./file-view";
import { presign, PRESIGN_TTL_SECONDS } from "./presign";

const notFound = () => new AppError("NOT_FOUND", "No such file.");

/**
 * Reserves the quota and records the upload before handing out the URL, so two racing requests
 * can never both fit into the same free space (the reservation is one conditional UPDATE).
 */
export async function createUpload(call: StorageCall, input: UploadUrlRequest): Promise<UploadUrlResponse> {
  const { env, db, userId, origin, now, requestId } = call;
  const config = storageConfig(env);
  const credentials = s3Credentials(env);
  // Fail before reserving anything if no URL could be built.
  bucketUrl(env, origin);
  if (input.size_bytes > config.maxFileBytes) {
    throw new AppError("VALIDATION_ERROR", "The file is too large.", [{ field: "size_bytes", message: `must be at most ${config.maxFileBytes} bytes` }]);
  }
  if (input.conversation_id !== undefined && !(await db.conversations.isMember(input.conversation_id, userId))) {
    throw new AppError("NOT_FOUND", "No such conversation.");
  }
  const expiresAt = new Date(now.getTime() + PRESIGN_TTL_SECONDS * 1000);
  const created = await db.files.createUpload(
    {
      ownerId: userId,
      conversationId: input.conversation_id ?? null,
      fileName: input.file_name,
      contentType: input.content_type,
      sizeBytes: input.size_bytes,
      uploadExpiresAt: expiresAt.toISOString(),
    },
    config.quotaBytes,
    now.toISOString(),
  );
  if (!created.ok) {
    const { usedBytes, reservedBytes, quotaBytes } = created.quota;
    throw new AppError(
      "QUOTA_EXCEEDED",
      `Storing ${input.size_bytes} more bytes would exceed your quota (${usedBytes} used, ${reservedBytes} reserved by uploads in progress, ${quotaBytes} allowed).`,
    );
  }
  const { file } = created;
  // If-None-Match: * (signed, honoured by R2 and by the dev endpoint): the URL can create the object
  // but never replace it, so a verified file cannot change during the URL's remaining minutes.
  const headers = { "Content-Type": file.contentType, "Content-Length": String(file.sizeBytes), "If-None-Match": "*" } as const;
  const signed = await presign({ method: "PUT", url: objectUrl(env, origin, file.objectKey), headers, credentials, now });
  log({ event: "file_state", file_id: file.id, status: file.status, request_id: requestId });
  return { file_id: file.id, upload_url: signed.url, method: "PUT", headers, expires_at: signed.expiresAt };
}

/**
 * Completes an upload only once R2 really holds the declared bytes. A wrong object (size or type)
 * is removed and the file stays `uploading` with its reservation: the client may PUT again while
 * its URL is valid, and the cleanup job releases the reservation once the upload is abandoned.
 */
export async function completeUpload(call: StorageCall, fileId: string): Promise<FileResponse> {
  const { env, db, userId, now, requestId } = call;
  const file = await db.files.get(fileId);
  if (!file || file.ownerId !== userId || file.status === "deleted") throw notFound();
  if (file.status === "completed") return { file: toFileView(file) };
  const head = await env.FILES_BUCKET.head(file.objectKey);
  if (!head) throw new AppError("CONFLICT", "The file has not been uploaded yet: PUT it to the upload URL first.");
  const storedType = head.httpMetadata?.contentType ?? "";
  if (head.size !== file.sizeBytes || storedType !== file.contentType) {
    await env.FILES_BUCKET.delete(file.objectKey);
    log({ event: "file_state", file_id: file.id, status: "rejected_mismatch", request_id: requestId }, "warn");
    throw new AppError(
      "CONFLICT",
      `The uploaded object (${head.size} bytes, ${storedType || "no type"}) does not match the declared ${file.sizeBytes} bytes of ${file.contentType}; it was removed. Upload it again.`,
    );
  }
  const completed = await db.files.markCompleted(file.id, now.toISOString());
  // Null: deleted (by its owner or the cleanup job) while we were checking R2.
  if (!completed) throw notFound();
  log({ event: "file_state", file_id: file.id, status: completed.status, request_id: requestId });
  return { file: toFileView(completed) };
}
