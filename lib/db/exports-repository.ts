import { and, eq, lte, or } from "drizzle-orm";
import { nowIso } from "./clock";
import type { Dialect } from "./query-db";
import type { DataExport } from "./rows";

export type ClaimExportResult = { ok: true; export: DataExport } | { ok: false; retryAfterSeconds: number };

/** Data exports: one row per user, the latest. */
export interface ExportsRepository {
  /**
   * Starts a new export unless the user asked for one less than `intervalSeconds` ago. One guarded
   * upsert (the row is keyed by user), so two racing requests cannot both start one.
   */
  claim(input: { userId: string; exportId: string; intervalSeconds: number }, now?: string): Promise<ClaimExportResult>;
  get(userId: string): Promise<DataExport | null>;
  /** pending → ready, for that export only (a newer export's row is left alone). */
  markReady(input: { userId: string; exportId: string; objectKey: string; expiresAt: string }, now?: string): Promise<DataExport | null>;
  /** pending → failed, for that export only. */
  markFailed(userId: string, exportId: string): Promise<DataExport | null>;
}

export function exportsRepository({ db, t }: Dialect): ExportsRepository {
  const x = t.dataExports;
  const get = async (userId: string): Promise<DataExport | null> => (await db.select().from(x).where(eq(x.userId, userId)).limit(1))[0] ?? null;
  return {
    async claim({ userId, exportId, intervalSeconds }, now = nowIso()) {
      const cutoff = new Date(Date.parse(now) - intervalSeconds * 1000).toISOString();
      const fresh = { id: exportId, status: "pending" as const, requestedAt: now, readyAt: null, expiresAt: null, objectKey: null };
      const [row] = await db
        .insert(x)
        .values({ userId, ...fresh })
        .onConflictDoUpdate({ target: x.userId, set: fresh, setWhere: or(lte(x.requestedAt, cutoff), eq(x.status, "failed")) })
        .returning();
      if (row) return { ok: true, export: row };
      const current = await get(userId);
      const next = current ? Date.parse(current.requestedAt) + intervalSeconds * 1000 : Date.parse(now);
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((next - Date.parse(now)) / 1000)) };
    },
    get,
    async markReady({ userId, exportId, objectKey, expiresAt }, now = nowIso()) {
      const [row] = await db
        .update(x)
        .set({ status: "ready", readyAt: now, expiresAt, objectKey })
        .where(and(eq(x.userId, userId), eq(x.id, exportId), eq(x.status, "pending")))
        .returning();
      return row ?? null;
    },
    async markFailed(userId, exportId) {
      const [row] = await db
        .update(x)
        .set({ status: "failed" })
        .where(and(eq(x.userId, userId), eq(x.id, exportId), eq(x.status, "pending")))
        .returning();
      return row ?? null;
    },
  };
}
