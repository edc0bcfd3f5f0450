/** `POST /v1/users/me/export` and `GET /v1/users/me/export` (through ChatService). */
import { EXPORT_INTERVAL_SECONDS, type DataExportEnvelope, type DataExportView } from "../../../../lib/contracts/account";
import { accountJobSchema } from "../../../../lib/contracts/queues";
import { PRESIGN_LINK_SECONDS } from "../../../../lib/contracts/storage-rpc";
import { withDb, type DataExport } from "../../../../lib/db";
import { AppError } from "../../../../lib/errors";
import { newId } from "../../../../lib/ids";
import { log } from "../../../../lib/log";
import { verifiedCaller, type RpcContext, type WaitUntil } from "../../../../lib/rpc";

/** One export per EXPORT_INTERVAL_SECONDS per user (429 with Retry-After otherwise), built in the background. */
export async function requestExport(env: ChatEnv, rpc: RpcContext, executionCtx: WaitUntil): Promise<DataExportEnvelope> {
  const caller = verifiedCaller(rpc);
  const exportId = newId();
  const claimed = await withDb(env, (db) => db.exports.claim({ userId: caller.userId, exportId, intervalSeconds: EXPORT_INTERVAL_SECONDS }), executionCtx);
  if (!claimed.ok) throw new AppError("RATE_LIMITED", "One data export a day: try again later.", undefined, claimed.retryAfterSeconds);
  const body = accountJobSchema.parse({
    kind: "export_account",
    user_id: caller.userId,
    export_id: exportId,
    ...(caller.origin !== undefined ? { origin: caller.origin } : {}),
    idempotency_key: `export:${exportId}`,
    request_id: caller.requestId,
  });
  try {
    await env.ACCOUNT_QUEUE.send(body, { contentType: "json" });
  } catch (err) {
    // Nothing will build it: free the day's allowance and let the client retry.
    await withDb(env, (db) => db.exports.markFailed(caller.userId, exportId), executionCtx);
    throw err;
  }
  log({ event: "account_export", user_id: caller.userId, export_id: exportId, outcome: "queued", request_id: caller.requestId });
  return { export: view(claimed.export, null, new Date()) };
}

/** The latest export, with a fresh 15-minute link while it is ready; NOT_FOUND when none was ever asked for. */
export async function exportStatus(env: ChatEnv, rpc: RpcContext, executionCtx: WaitUntil): Promise<DataExportEnvelope> {
  const caller = verifiedCaller(rpc);
  const row = await withDb(env, (db) => db.exports.get(caller.userId), executionCtx);
  if (!row) throw new AppError("NOT_FOUND", "No data export has been requested.");
  const now = new Date();
  let link: string | null = null;
  if (row.status === "ready" && row.objectKey !== null && row.expiresAt !== null && row.expiresAt > now.toISOString()) {
    const signed = await env.STORAGE.archiveLink(caller, { key: row.objectKey, expires_at: row.expiresAt, ttl_seconds: PRESIGN_LINK_SECONDS });
    if (!signed.ok) throw AppError.from(signed.error);
    link = signed.value.download_url;
  }
  return { export: view(row, link, now) };
}

function view(row: DataExport, downloadUrl: string | null, now: Date): DataExportView {
  const expired = row.status === "ready" && row.expiresAt !== null && row.expiresAt <= now.toISOString();
  return {
    id: row.id,
    status: expired ? "expired" : row.status,
    requested_at: row.requestedAt,
    ready_at: row.readyAt,
    expires_at: row.expiresAt,
    download_url: expired ? null : downloadUrl,
  };
}
