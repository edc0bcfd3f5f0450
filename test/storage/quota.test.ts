import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { withDb } from "../../lib/db";
import harness from "../harness/worker";
import { createUser } from "../helpers/auth";
import { bytes, complete, errorCode, post, putAsInstructed, quotaOf, requestUpload, uploadFile } from "./storage-client";

const QUOTA = 10 * 1024 ** 3;

describe("storage: quota under concurrency and cleanup", () => {
  it("50 racing upload requests never reserve past the quota", async ({ expect }) => {
    const alice = await createUser();
    const size = 1_000_000;
    // Leave room for exactly 10 of the 50 racing uploads.
    const held = await withDb(env, (db) => db.files.reserve(alice.user.id, QUOTA - 10 * size, QUOTA));
    expect(held?.reservedBytes).toBe(QUOTA - 10 * size);

    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        post(alice, "/v1/storage/upload-url", { file_name: `race-${i}.bin`, content_type: "application/octet-stream", size_bytes: size }),
      ),
    );
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(10);
    expect(statuses.filter((s) => s === 413)).toHaveLength(40);
    const refused = responses.filter((r) => r.status === 413);
    expect(new Set(await Promise.all(refused.map(errorCode)))).toEqual(new Set(["QUOTA_EXCEEDED"]));
    await Promise.all(responses.filter((r) => r.status === 201).map((r) => r.arrayBuffer()));

    const quota = await quotaOf(alice);
    expect(quota.reserved_bytes).toBe(QUOTA);
    expect(quota.used_bytes + quota.reserved_bytes).toBeLessThanOrEqual(quota.quota_bytes);
    const oneMore = await post(alice, "/v1/storage/upload-url", { file_name: "x", content_type: "text/plain", size_bytes: 1 });
    expect(oneMore.status).toBe(413);
  });

  it("the cleanup job deletes abandoned uploads and their partial objects, and releases their reservations", async ({ expect }) => {
    const alice = await createUser();
    const kept = await uploadFile(alice, { size_bytes: 30 });
    const inProgress = await requestUpload(alice, { size_bytes: 20 });
    const twoHoursAgo = new Date(Date.now() - 2 * 60 * 60 * 1000).toISOString();
    const abandoned = await withDb(env, async (db) => {
      const made = await db.files.createUpload(
        {
          ownerId: alice.user.id,
          conversationId: null,
          fileName: "lost.bin",
          contentType: "application/octet-stream",
          sizeBytes: 500,
          uploadExpiresAt: twoHoursAgo,
        },
        QUOTA,
      );
      if (!made.ok) throw new Error("could not create the abandoned upload");
      return made.file;
    });
    await env.FILES_BUCKET.put(abandoned.objectKey, bytes(123));
    expect(await quotaOf(alice)).toMatchObject({ used_bytes: 30, reserved_bytes: 520 });

    // The cron trigger, as the runtime fires it (the harness forwards to the storage worker's scheduled()).
    const ctx = createExecutionContext();
    await harness.scheduled(createScheduledController({ scheduledTime: new Date(), cron: "*/15 * * * *" }), env, ctx);
    await waitOnExecutionContext(ctx);

    expect(await quotaOf(alice)).toMatchObject({ used_bytes: 30, reserved_bytes: 20, file_count: 1 });
    expect(await env.FILES_BUCKET.head(abandoned.objectKey)).toBeNull();
    const row = await withDb(env, (db) => db.files.get(abandoned.id));
    expect(row?.status).toBe("deleted");
    expect((await complete(alice, abandoned.id)).status).toBe(404);
    // Uploads still within their time and completed files are untouched.
    expect((await putAsInstructed(inProgress, bytes(20))).status).toBe(200);
    expect((await complete(alice, inProgress.file_id)).status).toBe(200);
    expect(await env.FILES_BUCKET.head(`files/${alice.user.id}/${kept.id}`)).not.toBeNull();
    expect(await quotaOf(alice)).toMatchObject({ used_bytes: 50, reserved_bytes: 0, file_count: 2 });
  });
});
