import { EXPORT_PART_BYTES, type ExportPart, type ExportUpload } from "../../../../lib/contracts/storage-rpc";
import { AppError } from "../../../../lib/errors";
import type { AuthedContext } from "../../../../lib/rpc";

/**
 * Writes the export as JSON Lines into an R2 multipart upload through the storage worker, holding
 * at most one part (EXPORT_PART_BYTES) in memory: every part but the last is exactly that size.
 */
export class ArchiveWriter {
  private readonly buffer = new Uint8Array(EXPORT_PART_BYTES);
  private filled = 0;
  private readonly parts: ExportPart[] = [];
  private readonly encoder = new TextEncoder();
  bytes = 0;

  constructor(
    private readonly storage: ChatEnv["STORAGE"],
    private readonly rpc: AuthedContext,
    private readonly upload: ExportUpload,
  ) {}

  /** One record, one line. */
  async write(record: Record<string, unknown>): Promise<void> {
    let data = this.encoder.encode(`${JSON.stringify(record)}\n`);
    this.bytes += data.byteLength;
    while (data.byteLength > 0) {
      const take = Math.min(data.byteLength, EXPORT_PART_BYTES - this.filled);
      this.buffer.set(data.subarray(0, take), this.filled);
      this.filled += take;
      data = data.subarray(take);
      if (this.filled === EXPORT_PART_BYTES) await this.flush();
    }
  }

  /** The last part (possibly short) and the upload's completion. */
  async close(): Promise<void> {
    if (this.filled > 0 || this.parts.length === 0) await this.flush();
    const done = await this.storage.completeExportArchive(this.rpc, { ...this.upload, parts: this.parts });
    if (!done.ok) throw AppError.from(done.error);
  }

  private async flush(): Promise<void> {
    const part = await this.storage.putExportPart(this.rpc, { ...this.upload, part_number: this.parts.length + 1, data: this.buffer.slice(0, this.filled) });
    if (!part.ok) throw AppError.from(part.error);
    this.parts.push(part.value);
    this.filled = 0;
  }
}
