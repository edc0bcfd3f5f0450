import { ApiError } from "./errors";
import type { FetchLike } from "./http";
import type { RestApi } from "./rest";
import type { FileView } from "./types";

/** A browser `File`, or anything with a name, a type, a size and a body fetch can send. */
export interface UploadSource {
  name: string;
  type: string;
  size: number;
  body: Blob | ArrayBuffer | Uint8Array;
}

export interface UploadOptions {
  /** Share the file with this conversation's members (they may then download it). */
  conversationId?: string;
}

/** `File`/`Blob` → UploadSource. */
export function fromBlob(blob: Blob, name: string): UploadSource {
  return { name, type: blob.type, size: blob.size, body: blob };
}

/**
 * The presigned flow: reserve (upload-url) → PUT the bytes to the signed URL with exactly the signed
 * headers → upload-complete. Resolves with the completed file, whose id goes into `attachments`.
 */
export async function uploadFile(api: RestApi, fetchImpl: FetchLike, source: UploadSource, options: UploadOptions = {}): Promise<FileView> {
  const issued = await api.storage.uploadUrl({
    file_name: source.name,
    content_type: source.type || "application/octet-stream",
    size_bytes: source.size,
    ...(options.conversationId ? { conversation_id: options.conversationId } : {}),
  });
  // Browsers compute Content-Length themselves (it is a forbidden header there); Node sends ours.
  const put = await fetchImpl(issued.upload_url, { method: issued.method, headers: issued.headers, body: source.body as BodyInit });
  if (!put.ok) {
    const detail = await put.text().catch(() => "");
    throw new ApiError(
      put.status,
      put.status === 413 ? "PAYLOAD_TOO_LARGE" : "BAD_REQUEST",
      `The upload was refused (${put.status}). ${detail.slice(0, 200)}`.trim(),
    );
  }
  await put.body?.cancel().catch(() => undefined);
  return (await api.storage.uploadComplete(issued.file_id)).file;
}
