import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database, NewUploadInput } from "../../../lib/db";
import { isoIn, makeUser, range, using, type OpenDb } from "./fixtures";

const GiB = 1024 ** 3;

export function filesContract(open: OpenDb): void {
  describe("files and quotas", () => {
    let db: Database;
    beforeAll(async () => {
      db = await open();
    });
    afterAll(async () => {
      await db.close();
    });
    const upload = (ownerId: string, sizeBytes: number, uploadExpiresAt = isoIn(15 * 60_000)): NewUploadInput => ({
      ownerId,
      conversationId: null,
      fileName: "a.bin",
      contentType: "application/octet-stream",
      sizeBytes,
      uploadExpiresAt,
    });

    it("creates a quota row on first use with the given default, once", async () => {
      const user = await makeUser(db);
      expect(await db.files.getQuota(user.id, 10 * GiB)).toEqual({ userId: user.id, usedBytes: 0, reservedBytes: 0, quotaBytes: 10 * GiB });
      expect((await db.files.getQuota(user.id, 5))?.quotaBytes).toBe(10 * GiB);
    });

    it("reserves at upload, commits at completion (idempotently), releases at delete; sizes above 2^31 survive", async () => {
      const user = await makeUser(db);
      const created = await db.files.createUpload(upload(user.id, 3 * GiB), 10 * GiB);
      if (!created.ok) throw new Error("upload refused");
      expect(created.file).toMatchObject({ status: "uploading", sizeBytes: 3 * GiB, objectKey: `files/${user.id}/${created.file.id}` });
      expect(created.quota).toMatchObject({ usedBytes: 0, reservedBytes: 3 * GiB });
      const done = await db.files.markCompleted(created.file.id);
      expect(done).toMatchObject({ status: "completed", completedAt: expect.any(String) });
      expect(await db.files.markCompleted(created.file.id)).toEqual(done);
      expect(await db.files.getQuota(user.id, 0)).toMatchObject({ usedBytes: 3 * GiB, reservedBytes: 0 });
      expect(await db.files.completedFileCount(user.id)).toBe(1);
      expect(await db.files.markDeleted(created.file.id)).toMatchObject({ status: "deleted", deletedAt: expect.any(String) });
      expect(await db.files.markDeleted(created.file.id)).toBeNull();
      expect(await db.files.markCompleted(created.file.id)).toBeNull();
      expect(await db.files.getQuota(user.id, 0)).toMatchObject({ usedBytes: 0, reservedBytes: 0 });
    });

    it("refuses an upload over quota without writing anything", async () => {
      const user = await makeUser(db);
      const result = await db.files.createUpload(upload(user.id, 101), 100);
      expect(result).toMatchObject({ ok: false, reason: "quota_exceeded", quota: { reservedBytes: 0 } });
      expect(await db.files.listByOwner(user.id, { limit: 10 })).toEqual([]);
    });

    it("50 concurrent reservations never exceed the quota", async () => {
      const user = await makeUser(db);
      const results = await Promise.all(range(50).map(() => using(open, (conn) => conn.files.reserve(user.id, 100, 1000))));
      expect(results.filter((q) => q !== null)).toHaveLength(10);
      expect(await db.files.getQuota(user.id, 0)).toMatchObject({ usedBytes: 0, reservedBytes: 1000 });
    });

    it("10 concurrent completions move the reservation exactly once", async () => {
      const user = await makeUser(db);
      const created = await db.files.createUpload(upload(user.id, 400), 1000);
      if (!created.ok) throw new Error("upload refused");
      const results = await Promise.all(range(10).map(() => using(open, (conn) => conn.files.markCompleted(created.file.id))));
      expect(results.every((f) => f?.status === "completed")).toBe(true);
      expect(await db.files.getQuota(user.id, 0)).toMatchObject({ usedBytes: 400, reservedBytes: 0 });
    });

    it("a delete racing a completion releases exactly what was taken", async () => {
      const user = await makeUser(db);
      const created = await db.files.createUpload(upload(user.id, 250), 1000);
      if (!created.ok) throw new Error("upload refused");
      const [, deleted] = await Promise.all([
        using(open, (conn) => conn.files.markCompleted(created.file.id)),
        using(open, (conn) => conn.files.markDeleted(created.file.id)),
      ]);
      expect(deleted?.status).toBe("deleted");
      expect(await db.files.getQuota(user.id, 0)).toMatchObject({ usedBytes: 0, reservedBytes: 0 });
    });

    it("deleting an unfinished upload releases its reservation; standalone commit/release are guarded", async () => {
      const user = await makeUser(db);
      const created = await db.files.createUpload(upload(user.id, 300), 1000);
      if (!created.ok) throw new Error("upload refused");
      await db.files.markDeleted(created.file.id);
      expect(await db.files.getQuota(user.id, 0)).toMatchObject({ usedBytes: 0, reservedBytes: 0 });
      expect(await db.files.reserve(user.id, 200, 1000)).toMatchObject({ reservedBytes: 200 });
      expect(await db.files.commitReservation(user.id, 150)).toMatchObject({ usedBytes: 150, reservedBytes: 50 });
      expect(await db.files.releaseReservation(user.id, 60)).toBeNull();
      expect(await db.files.releaseReservation(user.id, 50)).toMatchObject({ reservedBytes: 0 });
    });

    it("lists by owner and finds abandoned uploads", async () => {
      const user = await makeUser(db);
      const stale = await db.files.createUpload(upload(user.id, 1, "2000-01-01T00:00:00.000Z"), 1000);
      const fresh = await db.files.createUpload(upload(user.id, 1), 1000);
      if (!stale.ok || !fresh.ok) throw new Error("upload refused");
      await db.files.markCompleted(fresh.file.id);
      expect((await db.files.listByOwner(user.id, { limit: 10 })).map((f) => f.id).sort()).toEqual([stale.file.id, fresh.file.id].sort());
      expect((await db.files.listByOwner(user.id, { limit: 10, status: "completed" })).map((f) => f.id)).toEqual([fresh.file.id]);
      const abandoned = await db.files.findAbandonedUploads(new Date().toISOString(), 1000);
      expect(abandoned.map((f) => f.id)).toContain(stale.file.id);
      expect(abandoned.map((f) => f.id)).not.toContain(fresh.file.id);
    });
  });
}
