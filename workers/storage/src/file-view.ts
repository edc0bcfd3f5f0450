import type { FileView } from "../../../lib/contracts/storage";
import type { FileRow } from "../../../lib/db";

/** The public shape of a file row (the object key and owner stay internal). */
export function toFileView(row: FileRow): FileView {
  return {
    id: row.id,
    file_name: row.fileName,
    content_type: row.contentType,
    size_bytes: row.sizeBytes,
    status: row.status,
    conversation_id: row.conversationId,
    created_at: row.createdAt,
    completed_at: row.completedAt,
  };
}

/** RFC 6266 attachment disposition that keeps a non-ASCII or quote-bearing name intact and inert. */
export function attachmentDisposition(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]|["\\]/g, "_");
  const encoded = encodeURIComponent(fileName).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
