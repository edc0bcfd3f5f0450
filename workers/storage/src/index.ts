import { WorkerEntrypoint } from "cloudflare:workers";
import type { ServiceHealth } from "../../../lib/contracts/health";
import {
  fileIdRequestSchema,
  listFilesRequestSchema,
  uploadUrlRequestSchema,
  WEB_APP_PATH_PREFIX,
  type DownloadUrlResponse,
  type FileIdRequest,
  type FileResponse,
  type ListFilesRequest,
  type ListFilesResponse,
  type QuotaResponse,
  type UploadUrlRequest,
  type UploadUrlResponse,
} from "../../../lib/contracts/storage";
import {
  archiveLinkInputSchema,
  completeExportInputSchema,
  exportArchiveSchema,
  exportFileRangeInputSchema,
  exportFilesPageInputSchema,
  exportPartInputSchema,
  expiredAttachmentsSchema,
  shareAttachmentsSchema,
  type ArchiveLink,
  type ArchiveLinkInput,
  type CompleteExportInput,
  type ErasedFiles,
  type ExportArchiveInput,
  type ExportFileRange,
  type ExportFileRangeInput,
  type ExportFilesPage,
  type ExportFilesPageInput,
  type ExportPart,
  type ExportPartInput,
  type ExportUpload,
  type ExpiredAttachmentsInput,
  type ShareAttachmentsInput,
} from "../../../lib/contracts/storage-rpc";
import { archiveLink, beginExportArchive, completeExportArchive, eraseUserFiles, exportFileRange, exportFilesPage, putExportPart } from "./account-data";
import { withDb } from "../../../lib/db";
import { ok, type Result } from "../../../lib/result";
import { parseInput, type AuthedContext, type RpcContext } from "../../../lib/rpc";
import { shareAttachments } from "./attachments";
import { deleteExpiredAttachments } from "./expired-attachments";
import { cleanupAbandonedUploads } from "./cleanup";
import { handleDevS3 } from "./dev-s3";
import { deleteFile, downloadUrl, listFiles, quota } from "./files";
import { storageHealth } from "./health";
import { storageCall } from "./rpc-call";
import { completeUpload, createUpload } from "./uploads";

/** RPC surface of the storage worker; the gateway (and the chat worker) call it. Inputs are re-validated inside. */
export class StorageService extends WorkerEntrypoint<StorageEnv> {
  async health(_rpc: RpcContext): Promise<Result<ServiceHealth>> {
    return ok(await storageHealth(this.env));
  }

  createUploadUrl(rpc: AuthedContext, input: UploadUrlRequest): Promise<Result<UploadUrlResponse>> {
    return storageCall(this.env, rpc, this.ctx, (call) => createUpload(call, parseInput(uploadUrlRequestSchema, input)));
  }

  completeUpload(rpc: AuthedContext, input: FileIdRequest): Promise<Result<FileResponse>> {
    return storageCall(this.env, rpc, this.ctx, (call) => completeUpload(call, parseInput(fileIdRequestSchema, input).file_id));
  }

  downloadUrl(rpc: AuthedContext, input: FileIdRequest): Promise<Result<DownloadUrlResponse>> {
    return storageCall(this.env, rpc, this.ctx, (call) => downloadUrl(call, parseInput(fileIdRequestSchema, input).file_id));
  }

  deleteFile(rpc: AuthedContext, input: FileIdRequest): Promise<Result<null>> {
    return storageCall(this.env, rpc, this.ctx, async (call) => {
      await deleteFile(call, parseInput(fileIdRequestSchema, input).file_id);
      return null;
    });
  }

  listFiles(rpc: AuthedContext, input: ListFilesRequest): Promise<Result<ListFilesResponse>> {
    return storageCall(this.env, rpc, this.ctx, (call) => listFiles(call, parseInput(listFilesRequestSchema, input)));
  }

  /**
   * Called by the chat worker before it stores a message with attachments (the caller is the sender,
   * already checked to be a member): only the sender's completed files pass, and they become
   * downloadable by the conversation's members.
   */
  shareAttachments(rpc: AuthedContext, input: ShareAttachmentsInput): Promise<Result<null>> {
    return storageCall(this.env, rpc, this.ctx, async (call) => {
      await shareAttachments(call, parseInput(shareAttachmentsSchema, input));
      return null;
    });
  }

  // Account erasure and data export (./account-data), from the chat worker's account-jobs consumer; the caller is the account.
  eraseUserFiles(rpc: AuthedContext): Promise<Result<ErasedFiles>> {
    return storageCall(this.env, rpc, this.ctx, (call) => eraseUserFiles(call));
  }
  exportFilesPage(rpc: AuthedContext, input: ExportFilesPageInput): Promise<Result<ExportFilesPage>> {
    return storageCall(this.env, rpc, this.ctx, (call) => exportFilesPage(call, parseInput(exportFilesPageInputSchema, input)));
  }
  /** A byte range (at most EXPORT_FILE_CHUNK_BYTES) of one of the caller's completed files, for the archive. */
  exportFileRange(rpc: AuthedContext, input: ExportFileRangeInput): Promise<Result<ExportFileRange>> {
    return storageCall(this.env, rpc, this.ctx, (call) => exportFileRange(call, parseInput(exportFileRangeInputSchema, input)));
  }
  beginExportArchive(rpc: AuthedContext, input: ExportArchiveInput): Promise<Result<ExportUpload>> {
    return storageCall(this.env, rpc, this.ctx, (call) => beginExportArchive(call, parseInput(exportArchiveSchema, input).export_id));
  }
  putExportPart(rpc: AuthedContext, input: ExportPartInput): Promise<Result<ExportPart>> {
    return storageCall(this.env, rpc, this.ctx, (call) => putExportPart(call, parseInput(exportPartInputSchema, input)));
  }
  completeExportArchive(rpc: AuthedContext, input: CompleteExportInput): Promise<Result<null>> {
    return storageCall(this.env, rpc, this.ctx, (call) => completeExportArchive(call, parseInput(completeExportInputSchema, input)));
  }
  archiveLink(rpc: AuthedContext, input: ArchiveLinkInput): Promise<Result<ArchiveLink>> {
    return storageCall(this.env, rpc, this.ctx, (call) => archiveLink(call, parseInput(archiveLinkInputSchema, input)));
  }
  /** From the chat worker's rooms: files of messages a disappearing timer erased (expired-attachments.ts). */
  deleteExpiredAttachments(rpc: AuthedContext, input: ExpiredAttachmentsInput): Promise<Result<{ deleted: number }>> {
    return storageCall(this.env, rpc, this.ctx, async (call) => ({
      deleted: await deleteExpiredAttachments(call, parseInput(expiredAttachmentsSchema, input)),
    }));
  }

  quota(rpc: AuthedContext): Promise<Result<QuotaResponse>> {
    return storageCall(this.env, rpc, this.ctx, (call) => quota(call));
  }

  /** The web app's files (the gateway's `/app/*`) and the development S3 endpoint (its `/dev/s3/*`). */
  override fetch(request: Request): Promise<Response> {
    if (new URL(request.url).pathname.startsWith(WEB_APP_PATH_PREFIX)) return this.env.ASSETS.fetch(request);
    return handleDevS3(request, this.env);
  }
}

export default {
  fetch: (request, env) => handleDevS3(request, env),
  async scheduled(controller, env, ctx) {
    await withDb(env, (db) => cleanupAbandonedUploads(env, db, new Date(controller.scheduledTime)), ctx);
  },
} satisfies ExportedHandler<StorageEnv>;
