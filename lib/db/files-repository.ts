import { and, asc, count, desc, eq, gte, inArray, isNull, lt, or, sql, type SQL } from "drizzle-orm";
import type { SQLiteUpdateSetSource } from "drizzle-orm/sqlite-core";
import { newId } from "../ids";
import { chunk, nowIso } from "./clock";
import type { Dialect, Tables } from "./query-db";
import type { FileRow, FileStatus, Quota } from "./rows";

export interface NewUploadInput {
  ownerId: string;
  conversationId: string | null;
  fileName: string;
  contentType: string;
  sizeBytes: number;
  uploadExpiresAt: string;
  /** Defaults to `files/<ownerId>/<fileId>`. */
  objectKey?: string;
}

export type CreateUploadResult = { ok: true; file: FileRow; quota: Quota } | { ok: false; reason: "quota_exceeded"; quota: Quota };

/** File metadata and per-user quotas (blobs are in R2). */
export interface FilesRepository {
  /** Reserves `sizeBytes` then records the file as `uploading`; over quota, nothing is written. */
  createUpload(input: NewUploadInput, defaultQuotaBytes: number, now?: string): Promise<CreateUploadResult>;
  get(fileId: string): Promise<FileRow | null>;
  /** uploading → completed and reserved → used, once. Calling again returns the completed file. Null if deleted/unknown. */
  markCompleted(fileId: string, now?: string): Promise<FileRow | null>;
  /** → deleted, releasing used bytes (completed) or the reservation (uploading). Null if already deleted/unknown. */
  markDeleted(fileId: string, now?: string): Promise<FileRow | null>;
  listByOwner(ownerId: string, opts: { limit: number; status?: FileStatus; before?: string }): Promise<FileRow[]>;
  /** Keyset page, newest first; `before` is the last row of the previous page (ties on createdAt broken by id). */
  listPageByOwner(ownerId: string, opts: { limit: number; status?: FileStatus; before?: { createdAt: string; id: string } }): Promise<FileRow[]>;
  /** uploading → deleted, releasing the reservation; null if the upload completed or went away meanwhile. */
  abandonUpload(fileId: string, now?: string): Promise<FileRow | null>;
  /** Uploads still `uploading` whose presigned URL expired before `olderThan`, oldest first. */
  findAbandonedUploads(olderThan: string, limit: number): Promise<FileRow[]>;
  getQuota(userId: string, defaultQuotaBytes: number): Promise<Quota>;
  /** Never lets used + reserved exceed quota, even under concurrency; null when it would. */
  reserve(userId: string, bytes: number, defaultQuotaBytes: number): Promise<Quota | null>;
  /** reserved → used for bytes not tied to a file row (markCompleted already does this for files). */
  commitReservation(userId: string, bytes: number): Promise<Quota | null>;
  releaseReservation(userId: string, bytes: number): Promise<Quota | null>;
  completedFileCount(ownerId: string): Promise<number>;
  /**
   * Shares the owner's completed file in a conversation (its members may then download it): sets
   * the file's conversation when it has none; a file keeps the one conversation it was shared in.
   * One guarded UPDATE, so two racing shares into different conversations cannot both win. Null
   * when the file is not the owner's, not completed, or already shared in another conversation.
   */
  shareInConversation(fileId: string, ownerId: string, conversationId: string): Promise<FileRow | null>;
  /** Up to `limit` of the owner's file rows in any status (deleted ones too: their names are the owner's), oldest first. */
  listAnyStatusByOwner(ownerId: string, limit: number): Promise<FileRow[]>;
  /** Account erasure: the rows themselves go (not a `deleted` status); their R2 objects must be gone first. */
  eraseRows(ownerId: string, fileIds: readonly string[]): Promise<number>;
  /** Account erasure, once no file is left: the quota row goes too. */
  eraseQuota(userId: string): Promise<void>;
}

export function filesRepository({ db, t, transitionFile }: Dialect): FilesRepository {
  const f = t.files;
  const q = t.quotas;
  const get = async (fileId: string): Promise<FileRow | null> => (await db.select().from(f).where(eq(f.id, fileId)).limit(1))[0] ?? null;
  const getQuota = async (userId: string, defaultQuotaBytes: number): Promise<Quota> => {
    // Insert-if-missing then read: two racing first uploads both end up with the same single row.
    await db.insert(q).values({ userId, usedBytes: 0, reservedBytes: 0, quotaBytes: defaultQuotaBytes }).onConflictDoNothing();
    const [row] = await db.select().from(q).where(eq(q.userId, userId)).limit(1);
    if (!row) throw new Error("quota row missing after insert");
    return row;
  };
  const adjust = async (userId: string, guard: SQL, set: SQLiteUpdateSetSource<Tables["quotas"]>): Promise<Quota | null> =>
    (
      await db
        .update(q)
        .set(set)
        .where(and(eq(q.userId, userId), guard))
        .returning()
    )[0] ?? null;
  const reserve = async (userId: string, bytes: number, defaultQuotaBytes: number): Promise<Quota | null> => {
    await getQuota(userId, defaultQuotaBytes);
    // The check and the increment are one conditional UPDATE, so concurrent reservations cannot
    // both pass a check made before either wrote.
    return adjust(userId, sql`${q.usedBytes} + ${q.reservedBytes} + ${bytes} <= ${q.quotaBytes}`, {
      reservedBytes: sql`${q.reservedBytes} + ${bytes}`,
    });
  };
  const releaseReservation = (userId: string, bytes: number) =>
    adjust(userId, gte(q.reservedBytes, bytes), { reservedBytes: sql`${q.reservedBytes} - ${bytes}` });

  return {
    async createUpload(input, defaultQuotaBytes, now = nowIso()) {
      const reserved = await reserve(input.ownerId, input.sizeBytes, defaultQuotaBytes);
      if (!reserved) return { ok: false, reason: "quota_exceeded", quota: await getQuota(input.ownerId, defaultQuotaBytes) };
      const id = newId();
      try {
        const [file] = await db
          .insert(f)
          .values({ id, ...input, objectKey: input.objectKey ?? `files/${input.ownerId}/${id}`, status: "uploading", createdAt: now })
          .returning();
        if (!file) throw new Error("file insert returned no row");
        return { ok: true, file, quota: reserved };
      } catch (err) {
        // Give the reservation back so a failed insert does not shrink the user's quota forever.
        await releaseReservation(input.ownerId, input.sizeBytes);
        throw err;
      }
    },
    get,
    async markCompleted(fileId, now = nowIso()) {
      const moved = await transitionFile({ fileId, from: "uploading", to: "completed", now, usedDelta: 1, reservedDelta: -1 });
      if (moved) return moved;
      const current = await get(fileId);
      return current?.status === "completed" ? current : null;
    },
    async markDeleted(fileId, now = nowIso()) {
      // Which counter to release depends on the status, read first; if a concurrent completion
      // moves the file between our read and our guarded transition, re-read and try again.
      for (let attempt = 0; attempt < 3; attempt++) {
        const current = await get(fileId);
        if (!current || current.status === "deleted") return null;
        const fromCompleted = current.status === "completed";
        const moved = await transitionFile({
          fileId,
          from: current.status,
          to: "deleted",
          now,
          usedDelta: fromCompleted ? -1 : 0,
          reservedDelta: fromCompleted ? 0 : -1,
        });
        if (moved) return moved;
      }
      return null;
    },
    listByOwner: (ownerId, { limit, status, before }) =>
      db
        .select()
        .from(f)
        .where(and(eq(f.ownerId, ownerId), status ? eq(f.status, status) : undefined, before ? lt(f.createdAt, before) : undefined))
        .orderBy(desc(f.createdAt), desc(f.id))
        .limit(limit),
    listPageByOwner: (ownerId, { limit, status, before }) =>
      db
        .select()
        .from(f)
        .where(
          and(
            eq(f.ownerId, ownerId),
            status ? eq(f.status, status) : undefined,
            before ? or(lt(f.createdAt, before.createdAt), and(eq(f.createdAt, before.createdAt), lt(f.id, before.id))) : undefined,
          ),
        )
        .orderBy(desc(f.createdAt), desc(f.id))
        .limit(limit),
    abandonUpload: (fileId, now = nowIso()) => transitionFile({ fileId, from: "uploading", to: "deleted", now, usedDelta: 0, reservedDelta: -1 }),
    findAbandonedUploads: (olderThan, limit) =>
      db
        .select()
        .from(f)
        .where(and(eq(f.status, "uploading"), lt(f.uploadExpiresAt, olderThan)))
        .orderBy(asc(f.uploadExpiresAt))
        .limit(limit),
    getQuota,
    reserve,
    commitReservation: (userId, bytes) =>
      adjust(userId, gte(q.reservedBytes, bytes), {
        reservedBytes: sql`${q.reservedBytes} - ${bytes}`,
        usedBytes: sql`${q.usedBytes} + ${bytes}`,
      }),
    releaseReservation,
    shareInConversation: async (fileId, ownerId, conversationId) =>
      (
        await db
          .update(f)
          .set({ conversationId })
          .where(and(eq(f.id, fileId), eq(f.ownerId, ownerId), eq(f.status, "completed"), or(isNull(f.conversationId), eq(f.conversationId, conversationId))))
          .returning()
      )[0] ?? null,
    async completedFileCount(ownerId) {
      const [row] = await db
        .select({ n: count() })
        .from(f)
        .where(and(eq(f.ownerId, ownerId), eq(f.status, "completed")));
      return row?.n ?? 0;
    },
    listAnyStatusByOwner: (ownerId, limit) => db.select().from(f).where(eq(f.ownerId, ownerId)).orderBy(asc(f.createdAt), asc(f.id)).limit(limit),
    async eraseRows(ownerId, fileIds) {
      let erased = 0;
      // One bound parameter is the owner.
      for (const part of chunk([...new Set(fileIds)], 2)) {
        const rows = await db
          .delete(f)
          .where(and(eq(f.ownerId, ownerId), inArray(f.id, part)))
          .returning({ id: f.id });
        erased += rows.length;
      }
      return erased;
    },
    async eraseQuota(userId) {
      await db.delete(q).where(eq(q.userId, userId));
    },
  };
}
