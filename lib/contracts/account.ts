import * as z from "zod";
import { PASSWORD_MAX } from "./auth";

/**
 * Leaving and taking one's data: `DELETE /v1/users/me` (account deletion) and
 * `POST|GET /v1/users/me/export` (the data export). The shapes of the routes, the RPCs behind
 * them and the `data_exports.status` column.
 */

/** Deleting needs the password again (like login: a wrong one is INVALID_CREDENTIALS, not 400). */
export const deleteAccountSchema = z.object({ password: z.string().min(1).max(PASSWORD_MAX) });
export type DeleteAccountInput = z.infer<typeof deleteAccountSchema>;

/** What the gateway needs back: the sessions that ended, to stop accepting their tokens at once. */
export const accountDeletedSchema = z.object({ revoked_session_ids: z.array(z.string()) });
export type AccountDeleted = z.infer<typeof accountDeletedSchema>;

// A tuple (not zod `.options`) so the Drizzle enum column keeps literal types.
export const EXPORT_STATUSES = ["pending", "ready", "failed"] as const;
export const ExportStatusSchema = z.enum(EXPORT_STATUSES);
export type ExportStatus = z.infer<typeof ExportStatusSchema>;

/** One export per this many seconds per user; a second request inside it is 429 with Retry-After. */
export const EXPORT_INTERVAL_SECONDS = 24 * 60 * 60;
/** How long an archive (and every link into it) lives once it is ready. */
export const EXPORT_LIFETIME_SECONDS = 24 * 60 * 60;

export const dataExportSchema = z
  .object({
    id: z.string(),
    /** `expired` once `expires_at` has passed: the archive is gone and a new export may be asked for. */
    status: z.enum([...EXPORT_STATUSES, "expired"]),
    requested_at: z.string(),
    ready_at: z.string().nullable(),
    expires_at: z.string().nullable(),
    /** A presigned GET of the archive (15 minutes, never past `expires_at`); only while `ready`. */
    download_url: z.string().nullable(),
  })
  .meta({ id: "DataExport" });
export type DataExportView = z.infer<typeof dataExportSchema>;
export const dataExportEnvelopeSchema = z.object({ export: dataExportSchema });
export type DataExportEnvelope = z.infer<typeof dataExportEnvelopeSchema>;
