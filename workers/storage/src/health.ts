import type { HealthCheck, ServiceHealth } from "../../../lib/contracts/health";
import { getDb } from "../../../lib/db";
import { describeError, log } from "../../../lib/log";
import { missingS3Secrets } from "./config";

/** The storage worker's readiness: its signing secrets, and a round trip to the database. */
export async function storageHealth(env: StorageEnv): Promise<ServiceHealth> {
  const missing = missingS3Secrets(env);
  if (missing.length > 0) log({ event: "config_missing", feature: "storage", missing }, "warn");
  const service: HealthCheck = missing.length > 0 ? { status: "error", reason: "R2 S3 credentials are not configured", missing } : { status: "ok" };
  return { service, database: await pingDatabase(env) };
}

async function pingDatabase(env: StorageEnv): Promise<HealthCheck> {
  const started = Date.now();
  try {
    const db = await getDb(env);
    try {
      await db.files.get("health-check");
    } finally {
      await db.close().catch(() => undefined);
    }
    return { status: "ok", latency_ms: Date.now() - started };
  } catch (err) {
    log({ event: "unhandled_error", where: "storage.health.database", error: describeError(err) }, "error");
    return { status: "error", reason: "the database did not answer" };
  }
}
