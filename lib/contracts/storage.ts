import * as z from "zod";
import { decimalIntegerParam } from "./decimal-param";

// Tuples (not zod `.options`, which widens to string[]) so the tables' Drizzle enum columns keep literal types.
export const FILE_STATUSES = ["uploading", "completed", "deleted"] as const;
export const FileStatusSchema = z.enum(FILE_STATUSES);
export type FileStatus = z.infer<typeof FileStatusSchema>;

/** Control characters (C0, DEL, C1) and bidi overrides, which let "gpj.exe" display as "exe.jpg". */
const UNSAFE_NAME_RANGES: readonly (readonly [number, number])[] = [
  [0x00, 0x1f],
  [0x7f, 0x9f],
  [0x202a, 0x202e],
  [0x2066, 0x2069],
];
const hasUnsafeNameChar = (name: string): boolean => {
  for (const char of name) {
    const code = char.codePointAt(0) ?? 0;
    if (UNSAFE_NAME_RANGES.some(([from, to]) => code >= from && code <= to)) return true;
  }
  return false;
};
/** A lone UTF-16 surrogate: not a character, and not encodable in a header or URL. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** An RFC 6838 token (type, subtype, parameter name). */
const MIME_TOKEN = "[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}";
const MIME_PARAM = `${MIME_TOKEN}=(?:${MIME_TOKEN}|"[^"\\\\\\u0000-\\u001f\\u007f]*")`;
const MIME_TYPE = new RegExp(`^${MIME_TOKEN}/${MIME_TOKEN}(?:;${MIME_PARAM})*$`);

/**
 * One canonical spelling per content type: no spaces around `;`, lower-case type and subtype.
 * The value is a signed header of the upload URL, so the client must send exactly this string.
 */
export function normaliseContentType(raw: string): string {
  const [essence = "", ...params] = raw.split(";").map((part) => part.trim());
  return [essence.toLowerCase(), ...params].join(";");
}

export const fileNameSchema = z
  .string()
  .min(1)
  .max(255)
  .refine((name) => !hasUnsafeNameChar(name), "must not contain control or bidi-override characters")
  .refine((name) => !LONE_SURROGATE.test(name), "must be valid Unicode")
  .refine((name) => name.trim().length > 0, "must not be blank");

export const contentTypeSchema = z
  .string()
  .max(255)
  .transform(normaliseContentType)
  .refine((value) => MIME_TYPE.test(value), "must be a MIME type such as image/png");

export const fileIdSchema = z.string().min(1).max(64);

export const uploadUrlRequestSchema = z
  .object({
    file_name: fileNameSchema,
    content_type: contentTypeSchema,
    /** The configured per-file maximum (MAX_FILE_BYTES) is checked by the storage worker. */
    size_bytes: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
    conversation_id: z.string().min(1).max(64).optional(),
  })
  .meta({ id: "UploadUrlRequest" });
export type UploadUrlRequest = z.infer<typeof uploadUrlRequestSchema>;

export const fileSchema = z
  .object({
    id: z.string(),
    file_name: z.string(),
    content_type: z.string(),
    size_bytes: z.number().int(),
    status: FileStatusSchema,
    conversation_id: z.string().nullable(),
    created_at: z.string(),
    completed_at: z.string().nullable(),
  })
  .meta({ id: "File" });
export type FileView = z.infer<typeof fileSchema>;

export const uploadUrlResponseSchema = z
  .object({
    file_id: z.string(),
    upload_url: z.string(),
    method: z.literal("PUT"),
    /**
     * Send exactly these with the PUT: all are part of the signature. `If-None-Match: *` makes the
     * PUT create the object only if it is absent, so the URL cannot overwrite a file once uploaded.
     */
    headers: z.object({ "Content-Type": z.string(), "Content-Length": z.string(), "If-None-Match": z.literal("*") }),
    expires_at: z.string(),
  })
  .meta({ id: "UploadUrl" });
export type UploadUrlResponse = z.infer<typeof uploadUrlResponseSchema>;

export const fileIdRequestSchema = z.object({ file_id: fileIdSchema }).meta({ id: "FileIdRequest" });
export type FileIdRequest = z.infer<typeof fileIdRequestSchema>;

export const fileResponseSchema = z.object({ file: fileSchema });
export type FileResponse = z.infer<typeof fileResponseSchema>;

export const downloadUrlResponseSchema = z.object({ download_url: z.string(), expires_at: z.string(), file: fileSchema }).meta({ id: "DownloadUrl" });
export type DownloadUrlResponse = z.infer<typeof downloadUrlResponseSchema>;

export const listFilesRequestSchema = z.object({
  limit: decimalIntegerParam({ min: 1, max: 100 }).default(50),
  /** The `id` of the last file of the previous page (files come newest first). */
  before: fileIdSchema.optional(),
});
export type ListFilesRequest = z.infer<typeof listFilesRequestSchema>;

export const listFilesResponseSchema = z.object({ files: z.array(fileSchema), has_more: z.boolean() }).meta({ id: "FileList" });
export type ListFilesResponse = z.infer<typeof listFilesResponseSchema>;

export const quotaResponseSchema = z
  .object({
    used_bytes: z.number().int(),
    /** Held by uploads in progress; released when they complete, are deleted or expire. */
    reserved_bytes: z.number().int(),
    quota_bytes: z.number().int(),
    file_count: z.number().int(),
  })
  .meta({ id: "Quota" });
export type QuotaResponse = z.infer<typeof quotaResponseSchema>;

/**
 * Outside production, presigned URLs point at `<origin>/dev/s3/<bucket>/<key>` on the gateway,
 * which forwards them to the storage worker's S3-compatible endpoint. Absent in production.
 */
export const DEV_S3_PATH_PREFIX = "/dev/s3/";
/** The web app's files: served by the storage worker's static assets, through the gateway. */
export const WEB_APP_PATH_PREFIX = "/app/";
