/**
 * The data export at its edges (workers/chat/src/accounts/export-files.ts): a file that goes away
 * between the listing and the reading of its bytes, and more files than the export's range-read cap
 * (FILE_DATA_CALLS) lets it copy.
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
 * The files part of an export run directly (as the ACCOUNT consumer runs it) over `storage` and a
 * real archive in R2, with the given limits; its records, and what it counted.
 */
async function exportFiles(user: TestUser, storage: FileSource, budget: { bytes: number; calls: number }) {
  const rpc = { requestId: "export-edges-test", userId: user.user.id, origin: new URL(BASE).origin };
  const begun = await env.STORAGE.beginExportArchive(rpc, { export_id: `edges-${crypto.randomUUID()}` });
  if (!begun.ok) throw new Error(begun.error.message);
  const out = new ArchiveWriter(env.STORAGE, rpc, begun.value);
  const written = await writeFiles(storage, out, rpc, budget);
  await out.close();
  return { written, lines: recordsOf((await (await env.FILES_BUCKET.get(begun.value.key))?.text()) ?? "") };
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
    const { written, lines } = await exportFiles(user, storage, { bytes: DEFAULT_FILE_DATA_BYTES, calls: FILE_DATA_CALLS });
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

  it("past the range-read cap a file is a link only (its link serves it), and a smaller older one still comes with its bytes", async () => {
    // The export's cap is FILE_DATA_CALLS (4,000) reads; the same rule is driven here with 3, so that
    // four files reach it (an end-to-end run over 4,001 files outlasted four minutes on the shared test machine).
    const user = await createUser();
    const upload = (name: string, data: Uint8Array) =>
      uploadFile(user, { size_bytes: data.byteLength, file_name: name, content_type: "application/octet-stream" }, data);
    const oldestBytes = bytes(10, 1);
    const oldest = await upload("oldest.bin", oldestBytes);
    const bigBytes = bytes(EXPORT_FILE_CHUNK_BYTES + 1, 6);
    const big = await upload("big.bin", bigBytes);
    const newer = [await upload("newer-1.bin", bytes(10, 2)), await upload("newer-2.bin", bytes(10, 3))];

    // Newest first: the two newer files take a read each; the big one needs two more (4 > 3): a link only;
    // the oldest needs one (3): in. The byte budget would have taken them all: the cap alone leaves the big one out.
    const { written, lines } = await exportFiles(user, env.STORAGE, { bytes: DEFAULT_FILE_DATA_BYTES, calls: 3 });
    const files = lines.filter((l) => l.record === "file");
    expect(Object.fromEntries(files.map((f) => [f.id, f.bytes_included]))).toEqual({
      [newer[0]?.id ?? ""]: true,
      [newer[1]?.id ?? ""]: true,
      [big.id]: false,
      [oldest.id]: true,
    });
    expect(lines.filter((l) => l.record === "file_data")).toHaveLength(3);
    expect(reassemble(lines, big.id).byteLength).toBe(0);
    expect(reassemble(lines, oldest.id)).toEqual(oldestBytes);
    expect(written).toMatchObject({ files: 4, with_data: 3, calls: 3 });
    const viaLink = await exports.default.fetch(String(files.find((f) => f.id === big.id)?.download_url));
    expect(viaLink.status).toBe(200);
    expect(await sha256(new Uint8Array(await viaLink.arrayBuffer()))).toBe(await sha256(bigBytes));
  });
});
