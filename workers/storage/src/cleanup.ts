import type { Database } from "../../../lib/db";
import { describeError, log } from "../../../lib/log";

/**
 * Past its URL's expiry an upload can still be finishing a PUT that started in time; only uploads
 * this long past expiry count as abandoned.
 */
export const ABANDON_GRACE_MS = 60 * 60 * 1000;
const BATCH_SIZE = 100;
/** Bounds one cron run; whatever is left waits for the next run (every 15 minutes). */
const MAX_BATCHES = 20;

/**
 * Deletes uploads that were never completed: the row becomes `deleted` (releasing its reservation)
 * and only then is any partial object removed, so an upload completed at the same moment (its
 * transition wins) keeps its object.
 */
export async function cleanupAbandonedUploads(env: StorageEnv, db: Database, now: Date): Promise<number> {
  const cutoff = new Date(now.getTime() - ABANDON_GRACE_MS).toISOString();
  let cleaned = 0;
  for (let batch = 0; batch < MAX_BATCHES; batch++) {
    const candidates = await db.files.findAbandonedUploads(cutoff, BATCH_SIZE);
    const keys: string[] = [];
    for (const file of candidates) {
      const abandoned = await db.files.abandonUpload(file.id, now.toISOString());
      if (abandoned) keys.push(abandoned.objectKey);
    }
    if (keys.length > 0) {
      try {
        await env.FILES_BUCKET.delete(keys);
      } catch (err) {
        // The rows are already released; a leftover partial object costs storage, not quota.
        log({ event: "unhandled_error", where: "storage.cleanup.delete_objects", error: describeError(err) }, "error");
      }
    }
    cleaned += keys.length;
    if (candidates.length < BATCH_SIZE) break;
  }
  log({ event: "cleanup", job: "abandoned_uploads", count: cleaned });
  return cleaned;
}
