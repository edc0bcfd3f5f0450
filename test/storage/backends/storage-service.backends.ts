import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { AppError } from "../../../lib/errors";
import { cleanupAbandonedUploads } from "../../../workers/storage/src/cleanup";
import type { StorageCall } from "../../../workers/storage/src/context";
import { handleDevS3 } from "../../../workers/storage/src/dev-s3";
import { deleteFile, listFiles, quota } from "../../../workers/storage/src/files";
import { completeUpload, createUpload } from "../../../workers/storage/src/uploads";
import { backends, fixtureUserId, using, type OpenDb } from "../../db/backends";

const QUOTA = 10 * 1024 ** 3;

/** One simulated request: its own database handle (on Postgres, its own connection), closed after. */
async function asUser<T>(open: OpenDb, userId: string, fn: (call: StorageCall) => Promise<T>, now = new Date()): Promise<T> {
  return using(open, (db) => fn({ env, db, userId, origin: "http://storage.test", requestId: "storage-backends-test", now }));
}

/** PUTs through the dev S3 endpoint exactly as a client follows the upload-url answer. */
function put(uploadUrl: string, headers: Record<string, string>, body: Uint8Array): Promise<Response> {
  return handleDevS3(new Request(uploadUrl, { method: "PUT", headers, body }), env);
}

const codeOf = async (promise: Promise<unknown>): Promise<string> =>
  promise.then(
    () => "ok",
    (err: unknown) => (err instanceof AppError ? err.code : `unexpected: ${String(err)}`),
  );

for (const [backend, open] of backends) {
  describe(`storage service on ${backend}`, () => {
    it("50 racing upload requests (one connection each) never reserve past the quota", async ({ expect }) => {
      const userId = await fixtureUserId(open, "s");
      const size = 1_000_000;
      const db = await open();
      await db.files.reserve(userId, QUOTA - 7 * size, QUOTA);
      await db.close();
      const outcomes = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          codeOf(asUser(open, userId, (call) => createUpload(call, { file_name: `r${i}`, content_type: "application/octet-stream", size_bytes: size }))),
        ),
      );
      expect(outcomes.filter((o) => o === "ok")).toHaveLength(7);
      expect(outcomes.filter((o) => o === "QUOTA_EXCEEDED")).toHaveLength(43);
      expect(await asUser(open, userId, quota)).toMatchObject({ used_bytes: 0, reserved_bytes: QUOTA });
    });

    it("runs the lifecycle: real PUT, racing completions, paging, delete, cleanup", async ({ expect }) => {
      const userId = await fixtureUserId(open, "s");
      const content = new Uint8Array(321).fill(5);
      const upload = await asUser(open, userId, (call) => createUpload(call, { file_name: "../x", content_type: "text/plain", size_bytes: 321 }));
      expect(await codeOf(asUser(open, userId, (call) => completeUpload(call, upload.file_id)))).toBe("CONFLICT");
      const res = await put(upload.upload_url, { ...upload.headers }, content);
      expect(res.status).toBe(200);
      const completions = await Promise.all(Array.from({ length: 10 }, () => asUser(open, userId, (call) => completeUpload(call, upload.file_id))));
      expect(completions.every((c) => c.file.status === "completed")).toBe(true);
      expect(await asUser(open, userId, quota)).toEqual({ used_bytes: 321, reserved_bytes: 0, quota_bytes: QUOTA, file_count: 1 });

      const second = await asUser(open, userId, (call) => createUpload(call, { file_name: "b", content_type: "text/plain", size_bytes: 2 }));
      expect((await put(second.upload_url, { ...second.headers }, new Uint8Array(2))).status).toBe(200);
      await asUser(open, userId, (call) => completeUpload(call, second.file_id));
      const page1 = await asUser(open, userId, (call) => listFiles(call, { limit: 1 }));
      expect(page1).toMatchObject({ files: [{ id: second.file_id }], has_more: true });
      const page2 = await asUser(open, userId, (call) => listFiles(call, { limit: 1, before: second.file_id }));
      expect(page2).toMatchObject({ files: [{ id: upload.file_id }], has_more: false });

      await asUser(open, userId, (call) => deleteFile(call, upload.file_id));
      expect(await codeOf(asUser(open, userId, (call) => deleteFile(call, upload.file_id)))).toBe("NOT_FOUND");
      expect(await asUser(open, userId, quota)).toMatchObject({ used_bytes: 2, reserved_bytes: 0, file_count: 1 });

      // Abandoned: created two hours ago (its URL long expired), with a partial object left behind.
      const past = new Date(Date.now() - 2 * 60 * 60 * 1000);
      const lost = await asUser(open, userId, (call) => createUpload(call, { file_name: "lost", content_type: "text/plain", size_bytes: 900 }), past);
      await env.FILES_BUCKET.put(`files/${userId}/${lost.file_id}`, new Uint8Array(10));
      const live = await asUser(open, userId, (call) => createUpload(call, { file_name: "live", content_type: "text/plain", size_bytes: 40 }));
      expect(await asUser(open, userId, quota)).toMatchObject({ reserved_bytes: 940 });
      const db = await open();
      try {
        expect(await cleanupAbandonedUploads(env, db, new Date())).toBeGreaterThanOrEqual(1);
      } finally {
        await db.close();
      }
      expect(await asUser(open, userId, quota)).toMatchObject({ used_bytes: 2, reserved_bytes: 40 });
      expect(await env.FILES_BUCKET.head(`files/${userId}/${lost.file_id}`)).toBeNull();
      expect(await codeOf(asUser(open, userId, (call) => completeUpload(call, lost.file_id)))).toBe("NOT_FOUND");
      expect(await codeOf(asUser(open, userId, (call) => completeUpload(call, live.file_id)))).toBe("CONFLICT");
    });
  });
}
