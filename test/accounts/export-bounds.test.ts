/**
 * The data export at its edges (workers/chat/src/accounts/export-files.ts): a file that goes away
 * between the listing and the reading of its bytes, and an account with more small files than one
 * export may read (FILE_DATA_CALLS).
 */
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { EXPORT_FILE_CHUNK_BYTES } from "../../lib/contracts/storage-rpc";
import { ArchiveWriter } from "../../workers/chat/src/accounts/archive-writer";
import { DEFAULT_FILE_DATA_BYTES, FILE_DATA_CALLS, writeFiles, type FileSource } from "../../workers/chat/src/accounts/export-files";
import { api, json } from "../chat/chat-client";
import { BASE, createUser, type TestUser } from "../helpers/auth";
import { bytes, uploadFile } from "../storage/storage-client";
import { downloadArchive, reassemble, readyExport, recordsOf, sha256, type Line } from "./export-support";

const deleteFile = async (user: TestUser, fileId: string) => {
  const res = await exports.default.fetch(`${BASE}/v1/storage/files/${fileId}`, { method: "DELETE", headers: user.headers });
  expect(res.status).toBe(204);
};

/** Each line's record name and file id, for the files part of an archive. */
const fileRecords = (lines: Line[]) => lines.filter((l) => String(l.record).startsWith("file")).map((l) => [l.record, l.id ?? l.file_id, l.offset]);

/**
 * `count` completed files of one byte each, straight into D1 and R2 (thousands through the upload
 * API would take minutes), created one second apart from `from` on; their ids, oldest first.
 */
async function seedTinyFiles(user: TestUser, prefix: string, count: number, from: number): Promise<string[]> {
  const ids = Array.from({ length: count }, (_, i) => `${prefix}-${String(i).padStart(5, "0")}`);
  const insert = env.DB.prepare(
    "INSERT INTO files (id, owner_id, file_name, content_type, size_bytes, object_key, status, created_at, completed_at, upload_expires_at) VALUES (?, ?, ?, 'text/plain', 1, ?, 'completed', ?, ?, ?)",
  );
  for (let i = 0; i < count; i += 500) {
    await env.DB.batch(
      ids.slice(i, i + 500).map((id, j) => {
        const at = new Date(from + (i + j) * 1000).toISOString();
        return insert.bind(id, user.user.id, `${id}.txt`, `files/${user.user.id}/${id}`, at, at, at);
      }),
    );
  }
  for (let i = 0; i < count; i += 50) {
    await Promise.all(ids.slice(i, i + 50).map((id, j) => env.FILES_BUCKET.put(`files/${user.user.id}/${id}`, new Uint8Array([(i + j) & 0xff]))));
  }
  return ids;
}

describe("data export edges", () => {
  it("a file whose stored object is gone when its bytes are read: the archive says file_gone for it, the other files are whole, the export is ready", async () => {
    const user = await createUser();
    const keptBytes = bytes(300, 8);
    const kept = await uploadFile(user, { size_bytes: keptBytes.byteLength, file_name: "kept.bin", content_type: "application/octet-stream" }, keptBytes);
    const lost = await uploadFile(user, { size_bytes: 200, file_name: "lost.bin", content_type: "application/octet-stream" });
    // The row still says completed, but R2 no longer has the object (a deletion racing with the export).
    await env.FILES_BUCKET.delete(`files/${user.user.id}/${lost.id}`);

    await json(await api(user, "POST", "/v1/users/me/export"), 202);
    const ready = await readyExport(user);
    expect(ready.status).toBe("ready");
    const { lines } = await downloadArchive(ready);
    expect(fileRecords(lines)).toEqual([
      ["file", lost.id, undefined],
      ["file_gone", lost.id, 0],
      ["file", kept.id, undefined],
      ["file_data", kept.id, 0],
    ]);
    expect(reassemble(lines, kept.id)).toEqual(keptBytes);
  });

  it("a file deleted after the listing, and one deleted between two of its chunks: file_gone at the offset reached, and the export goes on", async () => {
    const user = await createUser();
    const olderBytes = bytes(64, 2);
    const older = await uploadFile(user, { size_bytes: olderBytes.byteLength, file_name: "older.txt", content_type: "text/plain" }, olderBytes);
    const halfBytes = bytes(EXPORT_FILE_CHUNK_BYTES + 500, 4);
    const half = await uploadFile(user, { size_bytes: halfBytes.byteLength, file_name: "half.bin", content_type: "application/octet-stream" }, halfBytes);
    const gone = await uploadFile(user, { size_bytes: 32, file_name: "gone.txt", content_type: "text/plain" });

    // The real storage worker; the user's deletions (through the API) land at the exact moments of the race.
    const rpc = { requestId: "export-race-test", userId: user.user.id };
    const storage: FileSource = {
      exportFilesPage: async (ctx, input) => {
        const page = await env.STORAGE.exportFilesPage(ctx, input);
        await deleteFile(user, gone.id);
        return page;
      },
      exportFileRange: async (ctx, input) => {
        const range = await env.STORAGE.exportFileRange(ctx, input);
        if (input.file_id === half.id && input.offset === 0) await deleteFile(user, half.id);
        return range;
      },
    };
    const begun = await env.STORAGE.beginExportArchive(rpc, { export_id: `race-${crypto.randomUUID()}` });
    if (!begun.ok) throw new Error(begun.error.message);
    const out = new ArchiveWriter(env.STORAGE, rpc, begun.value);
    const written = await writeFiles(storage, out, rpc, DEFAULT_FILE_DATA_BYTES);
    await out.close();

    const lines = recordsOf((await (await env.FILES_BUCKET.get(begun.value.key))?.text()) ?? "");
    expect(fileRecords(lines)).toEqual([
      ["file", gone.id, undefined],
      ["file_gone", gone.id, 0],
      ["file", half.id, undefined],
      ["file_data", half.id, 0],
      ["file_gone", half.id, EXPORT_FILE_CHUNK_BYTES],
      ["file", older.id, undefined],
      ["file_data", older.id, 0],
    ]);
    expect(await sha256(reassemble(lines, half.id))).toBe(await sha256(halfBytes.slice(0, EXPORT_FILE_CHUNK_BYTES)));
    expect(reassemble(lines, older.id)).toEqual(olderBytes);
    expect(written).toMatchObject({ files: 3, with_data: 1, data_bytes: EXPORT_FILE_CHUNK_BYTES + olderBytes.byteLength });
  });

  it(`past ${FILE_DATA_CALLS} range reads a file is a link only (its link serves it), and a smaller older one still comes with its bytes`, { timeout: 300_000 }, async () => {
    const user = await createUser();
    const start = Date.parse("2026-01-01T00:00:00Z");
    // Oldest first: one tiny file, then a file of two chunks, then FILE_DATA_CALLS − 1 tiny ones.
    const [oldest = ""] = await seedTinyFiles(user, "oldest", 1, start);
    const bigBytes = bytes(EXPORT_FILE_CHUNK_BYTES + 1, 6);
    const bigId = "two-chunks";
    const bigAt = new Date(start + 60_000).toISOString();
    await env.DB.prepare(
      "INSERT INTO files (id, owner_id, file_name, content_type, size_bytes, object_key, status, created_at, completed_at, upload_expires_at) VALUES (?, ?, 'big.bin', 'application/octet-stream', ?, ?, 'completed', ?, ?, ?)",
    )
      .bind(bigId, user.user.id, bigBytes.byteLength, `files/${user.user.id}/${bigId}`, bigAt, bigAt, bigAt)
      .run();
    await env.FILES_BUCKET.put(`files/${user.user.id}/${bigId}`, bigBytes);
    const newer = await seedTinyFiles(user, "newer", FILE_DATA_CALLS - 1, start + 120_000);

    await json(await api(user, "POST", "/v1/users/me/export"), 202);
    const ready = await readyExport(user, 240_000);
    expect(ready.status).toBe("ready");
    const { lines } = await downloadArchive(ready);
    const files = lines.filter((l) => l.record === "file");
    expect(files).toHaveLength(FILE_DATA_CALLS + 1);
    // The newer tiny files took FILE_DATA_CALLS − 1 reads; the big one needs two more: a link only.
    // (The byte budget, 3 MiB here, would have taken it: the read cap alone left it out.)
    const included = new Map(files.map((f) => [String(f.id), f.bytes_included]));
    expect(included.get(bigId)).toBe(false);
    expect(newer.every((id) => included.get(id) === true)).toBe(true);
    expect(included.get(oldest)).toBe(true);
    const data = lines.filter((l) => l.record === "file_data");
    expect(data).toHaveLength(FILE_DATA_CALLS);
    expect(data.some((l) => l.file_id === bigId)).toBe(false);
    expect(reassemble(lines, oldest)).toEqual(new Uint8Array([0]));
    expect(lines.filter((l) => l.record === "file_gone")).toEqual([]);
    const viaLink = await exports.default.fetch(String(files.find((f) => f.id === bigId)?.download_url));
    expect(viaLink.status).toBe(200);
    expect(await sha256(new Uint8Array(await viaLink.arrayBuffer()))).toBe(await sha256(bigBytes));
  });
});
