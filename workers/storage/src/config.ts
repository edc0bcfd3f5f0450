import { missingConfig } from "../../../lib/contracts/health";
import { DEV_S3_PATH_PREFIX } from "../../../lib/contracts/storage";
import { isDevelopment } from "../../../lib/environment";
import { AppError } from "../../../lib/errors";
import type { S3Credentials } from "./presign";

/** The R2 S3-API secrets presigning needs; named (never shown) when missing. */
export const S3_SECRET_NAMES = ["R2_ACCOUNT_ID", "R2_ACCESS_KEY_ID", "R2_SECRET_ACCESS_KEY"] as const;

const DEFAULT_QUOTA_BYTES = 10 * 1024 ** 3;
const DEFAULT_MAX_FILE_BYTES = 100 * 1024 ** 2;

function positiveInt(raw: string | undefined, fallback: number): number {
  const value = Number(raw);
  return Number.isSafeInteger(value) && value > 0 ? value : fallback;
}

export interface StorageConfig {
  production: boolean;
  bucket: string;
  quotaBytes: number;
  maxFileBytes: number;
}

export function storageConfig(env: StorageEnv): StorageConfig {
  return {
    production: !isDevelopment(env),
    bucket: env.R2_BUCKET_NAME,
    quotaBytes: positiveInt(env.QUOTA_BYTES, DEFAULT_QUOTA_BYTES),
    maxFileBytes: positiveInt(env.MAX_FILE_BYTES, DEFAULT_MAX_FILE_BYTES),
  };
}

export function missingS3Secrets(env: StorageEnv): string[] {
  return missingConfig(env, S3_SECRET_NAMES);
}

/** The signing credentials, or SERVICE_UNAVAILABLE naming what is missing (in every environment). */
export function s3Credentials(env: StorageEnv): S3Credentials {
  const missing = missingS3Secrets(env);
  if (missing.length > 0) throw new AppError("SERVICE_UNAVAILABLE", `File storage is not configured: missing ${missing.join(", ")}.`);
  return { accessKeyId: env.R2_ACCESS_KEY_ID, secretAccessKey: env.R2_SECRET_ACCESS_KEY };
}

/** Object keys are `files/<owner>/<file>`: generated ids only, so they are URL-safe as they are. */
function keyPath(key: string): string {
  return key.split("/").map(encodeURIComponent).join("/");
}

/**
 * Where presigned URLs point: R2's S3 endpoint in production; outside production, the local
 * stack's dev S3 endpoint at the origin the client called (so it works offline and on any port).
 */
export function bucketUrl(env: StorageEnv, origin: string | undefined): string {
  const { production, bucket } = storageConfig(env);
  if (production) return `https://${env.R2_ACCOUNT_ID}.r2.cloudflarestorage.com/${bucket}/`;
  if (!origin) throw new AppError("SERVICE_UNAVAILABLE", "The development S3 endpoint needs the caller's origin.");
  return `${origin}${DEV_S3_PATH_PREFIX}${bucket}/`;
}

export function objectUrl(env: StorageEnv, origin: string | undefined, key: string): URL {
  return new URL(`${bucketUrl(env, origin)}${keyPath(key)}`);
}
