/** Exporting one's data (POST/GET /v1/users/me/export): the queued archive, its link, the daily limit. */
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { DataExportEnvelope } from "../../lib/contracts/account";
import { api, createGroup, json, sendRest } from "../chat/chat-client";
import { BASE, createUser } from "../helpers/auth";
import { pollDev } from "../notifications/support";
import { EXPORT_FILE_CHUNK_BYTES } from "../../lib/contracts/storage-rpc";
import { bytes, requestUpload, uploadFile } from "../storage/storage-client";
import { linkFromText } from "../../workers/auth/src/email/templates";
import { downloadArchive, reassemble, readyExport, sha256 } from "./export-support";

describe("data export", () => {
  it("builds one JSON Lines archive with profile, sessions, devices, conversations, own messages as stored and file links; announced by email", async () => {
    const [user, other] = [await createUser(), await createUser()];
    expect((await api(user, "GET", "/v1/users/me/export")).status).toBe(404);
    const group = await createGroup(user, [other], "exported");
    const file = await uploadFile(user, { size_bytes: 32, file_name: "notes.txt", content_type: "text/plain" });
    await sendRest(user, group.id, { client_id: "mine-1", body: "my own words" });
    await sendRest(user, group.id, { client_id: "mine-2", ciphertext: "b3BhcXVl" });
    await sendRest(other, group.id, { client_id: "theirs", body: "not mine" });

    const queued = await json<DataExportEnvelope>(await api(user, "POST", "/v1/users/me/export"), 202);
    expect(queued.export).toMatchObject({ status: "pending", download_url: null });
    const again = await api(user, "POST", "/v1/users/me/export");
    expect(again.status).toBe(429);
    expect(Number(again.headers.get("retry-after"))).toBeGreaterThan(23 * 3600);

    const ready = await readyExport(user);
    expect(ready).toMatchObject({ id: queued.export.id, status: "ready", download_url: expect.any(String), expires_at: expect.any(String) });
    const { lines } = await downloadArchive(ready);
    const of = (record: string) => lines.filter((l) => l.record === record);
    expect(of("export")).toEqual([expect.objectContaining({ format: "secureconnect-export/2", user_id: user.user.id })]);
    expect(of("profile")).toEqual([expect.objectContaining({ id: user.user.id, email: user.user.email, username: user.user.username })]);
    expect(of("session").length).toBeGreaterThan(0);
    expect(of("device").length).toBeGreaterThan(0);
    expect(of("conversation")).toEqual([expect.objectContaining({ id: group.id, name: "exported", member: true })]);
    expect(of("message").map((m) => [m.client_id, m.body, m.ciphertext])).toEqual([
      ["mine-1", "my own words", null],
      ["mine-2", null, "b3BhcXVl"],
    ]);
    const [fileLine] = of("file");
    expect(fileLine).toMatchObject({ id: file.id, file_name: "notes.txt" });
    expect((await exports.default.fetch(String(fileLine?.download_url))).status).toBe(200);

    const mailbox = await pollDev<{ messages: { kind: string; body: string }[] }>(`/dev/mailbox?to=${encodeURIComponent(user.user.email)}`, (b) =>
      b.messages.some((m) => m.kind === "data_export_ready"),
    );
    const mail = mailbox.messages.find((m) => m.kind === "data_export_ready");
    const link = linkFromText(mail?.body ?? "");
    expect(link).toBeTruthy();
    expect((await exports.default.fetch(link ?? "")).status).toBe(200);
  });

  it("carries the user's files themselves: each reassembles to its exact bytes, a large one over several chunks; past the byte budget a file is a link only; another user's file is absent", async () => {
    const [user, other] = [await createUser(), await createUser()];
    // Files go newest first; the suite's budget is 3 MiB (test/wrangler.test.toml), so this oldest one
    // (2 MiB) no longer fits after the two below.
    const pastBytes = bytes(2 * 1024 * 1024, 5);
    const past = await uploadFile(user, { size_bytes: pastBytes.byteLength, file_name: "past.bin", content_type: "application/octet-stream" }, pastBytes);
    const largeBytes = bytes(EXPORT_FILE_CHUNK_BYTES + 1000, 3);
    const large = await uploadFile(user, { size_bytes: largeBytes.byteLength, file_name: "video.bin", content_type: "application/octet-stream" }, largeBytes);
    const smallBytes = bytes(40, 11);
    const small = await uploadFile(user, { size_bytes: smallBytes.byteLength, file_name: "key.txt", content_type: "text/plain" }, smallBytes);
    const unfinished = await requestUpload(user, { size_bytes: 10, file_name: "unfinished.bin", content_type: "application/octet-stream" });
    const theirs = await uploadFile(other, { size_bytes: 64, file_name: "theirs.txt", content_type: "text/plain" });

    await json(await api(user, "POST", "/v1/users/me/export"), 202);
    const ready = await readyExport(user);
    expect(ready.status).toBe("ready");
    const { text, lines } = await downloadArchive(ready);
    const files = lines.filter((l) => l.record === "file");
    expect(Object.fromEntries(files.map((f) => [f.id, f.bytes_included]))).toEqual({ [large.id]: true, [small.id]: true, [past.id]: false });

    expect(lines.filter((l) => l.record === "file_data" && l.file_id === large.id)).toHaveLength(2);
    const largeBack = reassemble(lines, large.id);
    expect(largeBack.byteLength).toBe(largeBytes.byteLength);
    expect(await sha256(largeBack)).toBe(await sha256(largeBytes));
    expect(reassemble(lines, small.id)).toEqual(smallBytes);
    // Each file's bytes follow its own `file` record.
    const fileAt = lines.findIndex((l) => l.record === "file" && l.id === large.id);
    expect(lines.slice(fileAt + 1, fileAt + 3).map((l) => [l.record, l.file_id])).toEqual([
      ["file_data", large.id],
      ["file_data", large.id],
    ]);
    // Past the budget: no bytes, but the link serves them.
    expect(reassemble(lines, past.id).byteLength).toBe(0);
    const pastLine = files.find((f) => f.id === past.id);
    const viaLink = await exports.default.fetch(String(pastLine?.download_url));
    expect(await sha256(new Uint8Array(await viaLink.arrayBuffer()))).toBe(await sha256(pastBytes));

    expect(text).not.toContain(theirs.id);
    expect(text).not.toContain(unfinished.file_id);
    expect(lines.filter((l) => l.record === "file_gone")).toEqual([]);
  });

  it("the storage RPC hands out byte ranges of the caller's own completed files only", async () => {
    const [user, other] = [await createUser(), await createUser()];
    const mineBytes = bytes(100, 9);
    const mine = await uploadFile(user, { size_bytes: 100, file_name: "mine.bin", content_type: "application/octet-stream" }, mineBytes);
    const theirs = await uploadFile(other, { size_bytes: 100, file_name: "theirs.bin", content_type: "application/octet-stream" });
    const pending = await requestUpload(user, { size_bytes: 10, file_name: "pending.bin", content_type: "application/octet-stream" });
    const caller = { requestId: "export-range-test", userId: user.user.id };

    expect(await env.STORAGE.exportFileRange(caller, { file_id: mine.id, offset: 90, length: 50 })).toEqual({
      ok: true,
      value: { file_id: mine.id, offset: 90, size_bytes: 100, data: mineBytes.slice(90) },
    });
    for (const file_id of [theirs.id, pending.file_id, "no-such-file"]) {
      expect(await env.STORAGE.exportFileRange(caller, { file_id, offset: 0, length: 10 })).toMatchObject({ ok: false, error: { code: "NOT_FOUND" } });
    }
    // The owner asking for their file's range works; the same call as the other user does not.
    expect(await env.STORAGE.exportFileRange({ ...caller, userId: other.user.id }, { file_id: mine.id, offset: 0, length: 10 })).toMatchObject({
      ok: false,
      error: { code: "NOT_FOUND" },
    });
    expect(await env.STORAGE.exportFileRange(caller, { file_id: mine.id, offset: 101, length: 10 })).toMatchObject({
      ok: false,
      error: { code: "VALIDATION_ERROR" },
    });
    expect(await env.STORAGE.exportFileRange(caller, { file_id: mine.id, offset: 0, length: EXPORT_FILE_CHUNK_BYTES + 1 })).toMatchObject({
      ok: false,
      error: { code: "VALIDATION_ERROR" },
    });

    expect((await exports.default.fetch(`${BASE}/v1/storage/files/${mine.id}`, { method: "DELETE", headers: user.headers })).status).toBe(204);
    expect(await env.STORAGE.exportFileRange(caller, { file_id: mine.id, offset: 0, length: 10 })).toMatchObject({ ok: false, error: { code: "NOT_FOUND" } });
  });

  it("another user's archive cannot be reached: its link is signed for its key only, and a tampered one is refused", async () => {
    const user = await createUser();
    await json(await api(user, "POST", "/v1/users/me/export"), 202);
    const ready = await readyExport(user);
    const url = new URL(ready.download_url ?? "");
    url.pathname = url.pathname.replace(user.user.id, "someone-else");
    expect((await exports.default.fetch(url.toString())).status).toBe(403);
  });
});
