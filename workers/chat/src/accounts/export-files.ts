/**
 * The files part of a data export: per file a `file` record (metadata and a presigned link valid as
 * long as the archive), then, while the export's file-data budget lasts, its bytes as `file_data`
 * records of at most EXPORT_FILE_CHUNK_BYTES each, in order. Bytes are read from storage one range
 * at a time (only storage holds FILES_BUCKET), so memory is one chunk and its base64 line, never a
 * whole file. End-to-end encrypted attachments are copied as stored: ciphertext.
 */
import { Buffer } from "node:buffer";
import {
  EXPORT_FILE_CHUNK_BYTES,
  type ExportFileRange,
  type ExportFileRangeInput,
  type ExportFilesPage,
  type ExportFilesPageInput,
} from "../../../../lib/contracts/storage-rpc";
import { AppError } from "../../../../lib/errors";
import type { Result } from "../../../../lib/result";
import type { AuthedContext } from "../../../../lib/rpc";
import type { ArchiveWriter } from "./archive-writer";

type ExportFile = ExportFilesPage["files"][number];
/**
 * What the files part calls on storage: the STORAGE binding satisfies it (test/accounts/export-bounds.test.ts
 * wraps that binding to delete files at exact moments of an export).
 */
export interface FileSource {
  exportFilesPage(rpc: AuthedContext, input: ExportFilesPageInput): Promise<Result<ExportFilesPage>>;
  exportFileRange(rpc: AuthedContext, input: ExportFileRangeInput): Promise<Result<ExportFileRange>>;
}

/** Without (or with a malformed) EXPORT_FILE_DATA_BYTES: 1 GiB of file bytes per archive (README: the consumer's limits). */
export const DEFAULT_FILE_DATA_BYTES = 1024 * 1024 * 1024;

/**
 * Range reads one export makes at most: each is a subrequest (10,000 per invocation on the paid plan),
 * so thousands of small files cannot exhaust them; the archive parts, pages and rooms need the rest.
 */
export const FILE_DATA_CALLS = 4000;

export function fileDataBudget(env: ChatEnv): number {
  const value = Number(env.EXPORT_FILE_DATA_BYTES);
  return Number.isSafeInteger(value) && value >= 0 ? value : DEFAULT_FILE_DATA_BYTES;
}

export interface FilesWritten {
  files: number;
  /** Files whose bytes are in the archive. */
  with_data: number;
  /** File bytes in the archive (before base64). */
  data_bytes: number;
  /** exportFileRange calls made. */
  calls: number;
}

const callsFor = (sizeBytes: number): number => Math.ceil(sizeBytes / EXPORT_FILE_CHUNK_BYTES);

/**
 * Newest first (storage's order). A file is copied if it fits in what is left of `budget.bytes` and
 * of `budget.calls` range reads (FILE_DATA_CALLS); one that does not is named with `bytes_included: false` (its link
 * still works for 24 h), and smaller ones after it may still fit.
 */
export async function writeFiles(storage: FileSource, out: ArchiveWriter, rpc: AuthedContext, budget: { bytes: number; calls: number }): Promise<FilesWritten> {
  const written: FilesWritten = { files: 0, with_data: 0, data_bytes: 0, calls: 0 };
  let after: string | null | undefined;
  while (after !== null) {
    const page = await storage.exportFilesPage(rpc, after !== undefined ? { after } : {});
    if (!page.ok) throw AppError.from(page.error);
    for (const file of page.value.files) {
      const included = file.size_bytes <= budget.bytes - written.data_bytes && callsFor(file.size_bytes) <= budget.calls - written.calls;
      await out.write({ record: "file", ...file, bytes_included: included });
      written.files += 1;
      if (!included) continue;
      written.calls += callsFor(file.size_bytes);
      const copied = await writeFileData(storage, out, rpc, file);
      written.data_bytes += copied;
      if (copied === file.size_bytes) written.with_data += 1;
    }
    after = page.value.next_after;
  }
  return written;
}

/**
 * The file's bytes as `file_data` records; the bytes copied. A file deleted meanwhile (NOT_FOUND)
 * ends with a `file_gone` record at the offset reached, so a reader knows those bytes are partial.
 */
async function writeFileData(storage: FileSource, out: ArchiveWriter, rpc: AuthedContext, file: ExportFile): Promise<number> {
  let offset = 0;
  while (offset < file.size_bytes) {
    const chunk = await storage.exportFileRange(rpc, { file_id: file.id, offset, length: EXPORT_FILE_CHUNK_BYTES });
    if (!chunk.ok) {
      if (chunk.error.code !== "NOT_FOUND") throw AppError.from(chunk.error);
      await out.write({ record: "file_gone", file_id: file.id, offset });
      return offset;
    }
    const { data } = chunk.value;
    // An empty range before the end would loop forever: storage broke its contract.
    if (data.byteLength === 0) throw new AppError("INTERNAL_ERROR", `Storage returned no bytes of file ${file.id} at ${offset}.`);
    await out.write({
      record: "file_data",
      file_id: file.id,
      offset,
      data_base64: Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString("base64"),
    });
    offset += data.byteLength;
  }
  return offset;
}
