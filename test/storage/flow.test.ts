import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import type { FileView, ListFilesResponse, UploadUrlResponse } from "../../lib/contracts/storage";
import { createUser } from "../helpers/auth";
import {
  api,
  bytes,
  complete,
  download,
  downloadUrlOf,
  errorCode,
  get,
  post,
  putAsInstructed,
  putObject,
  quotaOf,
  requestUpload,
  uploadFile,
} from "./storage-client";

describe("storage: the upload → download → delete flow", () => {
  it("uploads with a real PUT, completes, lists, downloads the same bytes, deletes and releases quota", async ({ expect }) => {
    const alice = await createUser();
    const content = bytes(3000);

    const res = await post(alice, "/v1/storage/upload-url", { file_name: "holiday.png", content_type: "image/png", size_bytes: 3000 });
    expect(res.status).toBe(201);
    const upload = await res.json<UploadUrlResponse>();
    expect(upload.method).toBe("PUT");
    expect(upload.headers).toEqual({ "Content-Type": "image/png", "Content-Length": "3000", "If-None-Match": "*" });
    expect(upload.upload_url.startsWith("http://sc.test/dev/s3/secureconnect-files/")).toBe(true);
    const url = new URL(upload.upload_url);
    expect(url.searchParams.get("X-Amz-Expires")).toBe("900");
    expect(url.searchParams.get("X-Amz-SignedHeaders")).toBe("content-length;content-type;host;if-none-match");
    const minutesLeft = (Date.parse(upload.expires_at) - Date.now()) / 60_000;
    expect(minutesLeft).toBeGreaterThan(14);
    expect(minutesLeft).toBeLessThanOrEqual(15);
    expect(await quotaOf(alice)).toMatchObject({ used_bytes: 0, reserved_bytes: 3000, file_count: 0, quota_bytes: 10 * 1024 ** 3 });

    const put = await putAsInstructed(upload, content);
    expect(put.status).toBe(200);
    expect(put.headers.get("ETag")).toMatch(/^".+"$/);

    const done = await complete(alice, upload.file_id);
    expect(done.status).toBe(200);
    const { file } = await done.json<{ file: FileView }>();
    expect(file).toMatchObject({
      id: upload.file_id,
      file_name: "holiday.png",
      content_type: "image/png",
      size_bytes: 3000,
      status: "completed",
      conversation_id: null,
    });
    expect(file.completed_at).not.toBeNull();
    expect(await quotaOf(alice)).toMatchObject({ used_bytes: 3000, reserved_bytes: 0, file_count: 1 });

    const list = await (await get(alice, "/v1/storage/files")).json<ListFilesResponse>();
    expect(list).toEqual({ files: [file], has_more: false });

    const { res: got, body } = await download(alice, upload.file_id);
    expect(body.file.id).toBe(upload.file_id);
    expect(got.status).toBe(200);
    expect(got.headers.get("Content-Type")).toBe("image/png");
    expect(got.headers.get("Content-Disposition")).toBe(`attachment; filename="holiday.png"; filename*=UTF-8''holiday.png`);
    expect(new Uint8Array(await got.arrayBuffer())).toEqual(content);

    const del = await api(`/v1/storage/files/${upload.file_id}`, { method: "DELETE", headers: alice.headers });
    expect(del.status).toBe(204);
    expect(await quotaOf(alice)).toMatchObject({ used_bytes: 0, reserved_bytes: 0, file_count: 0 });
    expect(await env.FILES_BUCKET.head(`files/${alice.user.id}/${upload.file_id}`)).toBeNull();
    expect((await downloadUrlOf(alice, upload.file_id)).status).toBe(404);
    expect((await api(`/v1/storage/files/${upload.file_id}`, { method: "DELETE", headers: alice.headers })).status).toBe(404);
    // The old download URL now finds nothing.
    expect((await api(new URL(body.download_url).pathname + new URL(body.download_url).search)).status).toBe(404);
  });

  it("deleting an upload in progress releases its reservation", async ({ expect }) => {
    const alice = await createUser();
    const upload = await requestUpload(alice, { size_bytes: 5000 });
    expect(await quotaOf(alice)).toMatchObject({ reserved_bytes: 5000 });
    expect((await api(`/v1/storage/files/${upload.file_id}`, { method: "DELETE", headers: alice.headers })).status).toBe(204);
    expect(await quotaOf(alice)).toMatchObject({ used_bytes: 0, reserved_bytes: 0 });
    expect((await complete(alice, upload.file_id)).status).toBe(404);
  });

  it("completing before the upload is a 409 and changes nothing; after the PUT it succeeds", async ({ expect }) => {
    const alice = await createUser();
    const upload = await requestUpload(alice, { size_bytes: 100 });
    const early = await complete(alice, upload.file_id);
    expect(early.status).toBe(409);
    expect(await errorCode(early)).toBe("CONFLICT");
    expect(await quotaOf(alice)).toMatchObject({ used_bytes: 0, reserved_bytes: 100 });
    expect((await downloadUrlOf(alice, upload.file_id)).status).toBe(404);

    expect((await putAsInstructed(upload, bytes(100))).status).toBe(200);
    expect((await complete(alice, upload.file_id)).status).toBe(200);
  });

  it("completing twice is harmless: same file, quota counted once", async ({ expect }) => {
    const alice = await createUser();
    const upload = await requestUpload(alice, { size_bytes: 700 });
    expect((await putAsInstructed(upload, bytes(700))).status).toBe(200);
    const [first, second] = await Promise.all([complete(alice, upload.file_id), complete(alice, upload.file_id)]);
    expect([first.status, second.status]).toEqual([200, 200]);
    const third = await complete(alice, upload.file_id);
    expect(third.status).toBe(200);
    const files = await Promise.all([first, second, third].map(async (r) => (await r.json<{ file: FileView }>()).file.id));
    expect(new Set(files)).toEqual(new Set([upload.file_id]));
    expect(await quotaOf(alice)).toMatchObject({ used_bytes: 700, reserved_bytes: 0, file_count: 1 });
  });

  it("an object of the wrong size is removed, the upload stays open and a correct PUT then completes", async ({ expect }) => {
    const alice = await createUser();
    const upload = await requestUpload(alice, { size_bytes: 64 });
    // Only something holding the R2 credentials could write this; the check is the last line of defence.
    const key = `files/${alice.user.id}/${upload.file_id}`;
    await env.FILES_BUCKET.put(key, bytes(65), { httpMetadata: { contentType: "image/png" } });
    const res = await complete(alice, upload.file_id);
    expect(res.status).toBe(409);
    expect(await errorCode(res)).toBe("CONFLICT");
    expect(await env.FILES_BUCKET.head(key)).toBeNull();
    expect(await quotaOf(alice)).toMatchObject({ used_bytes: 0, reserved_bytes: 64 });

    await env.FILES_BUCKET.put(key, bytes(64), { httpMetadata: { contentType: "text/plain" } });
    expect((await complete(alice, upload.file_id)).status).toBe(409);

    expect((await putAsInstructed(upload, bytes(64))).status).toBe(200);
    expect((await complete(alice, upload.file_id)).status).toBe(200);
    expect(await quotaOf(alice)).toMatchObject({ used_bytes: 64, reserved_bytes: 0 });
  });

  it("the upload URL cannot overwrite a verified file: a second PUT is 412 and the download keeps the original bytes", async ({ expect }) => {
    const alice = await createUser();
    const original = bytes(256, 1);
    const upload = await requestUpload(alice, { size_bytes: 256 });
    expect((await putAsInstructed(upload, original)).status).toBe(200);
    expect((await complete(alice, upload.file_id)).status).toBe(200);
    const key = `files/${alice.user.id}/${upload.file_id}`;
    const etag = (await env.FILES_BUCKET.head(key))?.etag;

    // Same URL, same signed headers, other bytes of the same size and type: well within the 15 minutes.
    const overwrite = await putAsInstructed(upload, bytes(256, 99));
    expect(overwrite.status).toBe(412);
    expect(await overwrite.text()).toContain("<Code>PreconditionFailed</Code>");
    // Dropping the condition breaks the signature instead.
    const unconditional = await putObject(upload.upload_url, bytes(256, 99), { "Content-Type": upload.headers["Content-Type"] });
    expect(unconditional.status).toBe(403);
    expect(await unconditional.text()).toContain("<Code>SignatureDoesNotMatch</Code>");

    expect((await env.FILES_BUCKET.head(key))?.etag).toBe(etag);
    const { res } = await download(alice, upload.file_id);
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(original);
  });

  it("pages the file list newest first with has_more", async ({ expect }) => {
    const alice = await createUser();
    const made: string[] = [];
    for (let i = 0; i < 5; i++) made.push((await uploadFile(alice, { file_name: `f${i}.txt`, content_type: "text/plain", size_bytes: 10 + i })).id);
    const page1 = await (await get(alice, "/v1/storage/files?limit=2")).json<ListFilesResponse>();
    expect(page1.has_more).toBe(true);
    const last1 = page1.files.at(-1)?.id ?? "";
    const page2 = await (await get(alice, `/v1/storage/files?limit=2&before=${last1}`)).json<ListFilesResponse>();
    const last2 = page2.files.at(-1)?.id ?? "";
    const page3 = await (await get(alice, `/v1/storage/files?limit=2&before=${last2}`)).json<ListFilesResponse>();
    expect(page3.has_more).toBe(false);
    expect([...page1.files, ...page2.files, ...page3.files].map((f) => f.id)).toEqual([...made].reverse());
    expect((await get(alice, "/v1/storage/files?limit=0")).status).toBe(400);
    expect((await get(alice, "/v1/storage/files?limit=101")).status).toBe(400);
  });
});
