import { env, exports } from "cloudflare:workers";
import { describe, it } from "vitest";
import { presign } from "../../workers/storage/src/presign";
import { createUser } from "../helpers/auth";
import { bytes, complete, download, putAsInstructed, putObject, requestUpload, s3Code, uploadFile } from "./storage-client";

const credentials = () => ({ accessKeyId: env.R2_ACCESS_KEY_ID, secretAccessKey: env.R2_SECRET_ACCESS_KEY });

describe("dev S3 endpoint: the presigned URL is the only key", () => {
  it("refuses a tampered signature, and a signature moved to another key", async ({ expect }) => {
    const alice = await createUser();
    const upload = await requestUpload(alice, { size_bytes: 32 });
    const url = new URL(upload.upload_url);
    const signature = url.searchParams.get("X-Amz-Signature") ?? "";
    url.searchParams.set("X-Amz-Signature", `${signature.slice(0, -1)}${signature.endsWith("0") ? "1" : "0"}`);
    const tampered = await putObject(url.toString(), bytes(32), { "Content-Type": "image/png" });
    expect(tampered.status).toBe(403);
    expect(await s3Code(tampered)).toBe("SignatureDoesNotMatch");

    const other = await requestUpload(alice, { size_bytes: 32 });
    const moved = new URL(other.upload_url);
    moved.searchParams.set("X-Amz-Signature", signature);
    const res = await putObject(moved.toString(), bytes(32), { "Content-Type": "image/png" });
    expect(res.status).toBe(403);
    expect(await s3Code(res)).toBe("SignatureDoesNotMatch");

    const longer = new URL(upload.upload_url);
    longer.searchParams.set("X-Amz-Expires", "604800");
    expect(await s3Code(await putObject(longer.toString(), bytes(32), { "Content-Type": "image/png" }))).toBe("SignatureDoesNotMatch");

    const unsigned = new URL(upload.upload_url);
    unsigned.searchParams.delete("X-Amz-Signature");
    const missing = await putObject(unsigned.toString(), bytes(32), { "Content-Type": "image/png" });
    expect(missing.status).toBe(400);
    expect(await s3Code(missing)).toBe("AuthorizationQueryParametersError");
    expect((await complete(alice, upload.file_id)).status).toBe(409);
  });

  it("refuses an expired URL (signed 16 minutes ago) and one signed with another key", async ({ expect }) => {
    const alice = await createUser();
    const upload = await requestUpload(alice, { size_bytes: 16 });
    const base = new URL(upload.upload_url);
    for (const name of [...base.searchParams.keys()]) if (name.startsWith("X-Amz-")) base.searchParams.delete(name);
    const headers = { "Content-Type": "image/png", "Content-Length": "16" };

    const stale = await presign({ method: "PUT", url: base, headers, credentials: credentials(), now: new Date(Date.now() - 16 * 60_000) });
    const expired = await putObject(stale.url, bytes(16), { "Content-Type": "image/png" });
    expect(expired.status).toBe(403);
    expect(await s3Code(expired)).toBe("AccessDenied");

    const fresh = await presign({ method: "PUT", url: base, headers, credentials: credentials(), now: new Date(Date.now() - 14 * 60_000) });
    expect((await putObject(fresh.url, bytes(16), { "Content-Type": "image/png" })).status).toBe(200);

    const forged = await presign({ method: "PUT", url: base, headers, credentials: { ...credentials(), secretAccessKey: "not-the-secret" } });
    const res = await putObject(forged.url, bytes(16), { "Content-Type": "image/png" });
    expect(res.status).toBe(403);
    expect(await s3Code(res)).toBe("SignatureDoesNotMatch");
    const stranger = await presign({ method: "PUT", url: base, headers, credentials: { accessKeyId: "AKIASTRANGER", secretAccessKey: "x" } });
    expect(await s3Code(await putObject(stranger.url, bytes(16), { "Content-Type": "image/png" }))).toBe("InvalidAccessKeyId");
  });

  it("binds the exact length and type: a longer or shorter body or another type is refused", async ({ expect }) => {
    const alice = await createUser();
    const upload = await requestUpload(alice, { size_bytes: 100, content_type: "application/pdf" });
    for (const [body, type] of [
      [bytes(101), "application/pdf"],
      [bytes(99), "application/pdf"],
      [bytes(100), "text/html"],
      [bytes(100), "application/pdf; charset=utf-8"],
    ] as const) {
      const res = await putObject(upload.upload_url, body, { "Content-Type": type });
      expect(res.status).toBe(403);
      expect(await s3Code(res)).toBe("SignatureDoesNotMatch");
    }
    const noType = await exports.default.fetch(upload.upload_url, { method: "PUT", body: bytes(100) });
    expect(noType.status).toBe(403);
    // A streamed (chunked) body has no Content-Length to match the signed one.
    const chunked = await exports.default.fetch(upload.upload_url, {
      method: "PUT",
      headers: { "Content-Type": "application/pdf" },
      body: new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(bytes(100));
          controller.close();
        },
      }),
    });
    expect(chunked.status).toBe(403);
    expect((await complete(alice, upload.file_id)).status).toBe(409);
    expect((await putAsInstructed(upload, bytes(100))).status).toBe(200);
    expect((await complete(alice, upload.file_id)).status).toBe(200);
  });

  it("an upload URL cannot download, and a download URL cannot upload", async ({ expect }) => {
    const alice = await createUser();
    const file = await uploadFile(alice, { size_bytes: 50 });
    const { body } = await download(alice, file.id);
    const overwrite = await putObject(body.download_url, bytes(50, 9), { "Content-Type": "image/png" });
    expect(overwrite.status).toBe(403);

    const upload = await requestUpload(alice, { size_bytes: 50 });
    const read = await exports.default.fetch(upload.upload_url);
    expect(read.status).toBe(403);
    const head = await exports.default.fetch(body.download_url, { method: "HEAD" });
    expect(head.status).toBe(403);
  });

  it("serves byte ranges of a download, as S3 does for players and resumable clients", async ({ expect }) => {
    const alice = await createUser();
    const content = bytes(50, 11);
    const file = await uploadFile(alice, { size_bytes: 50 }, content);
    const { body } = await download(alice, file.id);
    const part = await exports.default.fetch(body.download_url, { headers: { Range: "bytes=10-19" } });
    expect(part.status).toBe(206);
    expect(part.headers.get("Content-Range")).toBe("bytes 10-19/50");
    expect(new Uint8Array(await part.arrayBuffer())).toEqual(content.slice(10, 20));
    const tail = await exports.default.fetch(body.download_url, { headers: { Range: "bytes=-5" } });
    expect(tail.status).toBe(206);
    expect(tail.headers.get("Content-Range")).toBe("bytes 45-49/50");
    expect(new Uint8Array(await tail.arrayBuffer())).toEqual(content.slice(45));
  });

  it("rejects other buckets, methods and bare paths without touching R2", async ({ expect }) => {
    const alice = await createUser();
    const upload = await requestUpload(alice, { size_bytes: 8 });
    const otherBucket = upload.upload_url.replace("/dev/s3/secureconnect-files/", "/dev/s3/other-bucket/");
    const res = await putObject(otherBucket, bytes(8), { "Content-Type": "image/png" });
    expect(res.status).toBe(404);
    expect(await s3Code(res)).toBe("NoSuchBucket");
    const del = await exports.default.fetch(upload.upload_url, { method: "DELETE" });
    expect(del.status).toBe(404);
    expect((await exports.default.fetch("http://sc.test/dev/s3/")).status).toBe(404);
  });

  it("takes bodies far over the gateway's 1 MiB JSON limit and streams them back intact", async ({ expect }) => {
    const alice = await createUser();
    const size = 3 * 1024 * 1024 + 17;
    const content = bytes(size, 3);
    const file = await uploadFile(alice, { file_name: "video.mp4", content_type: "video/mp4", size_bytes: size }, content);
    expect(file.size_bytes).toBe(size);
    const { res } = await download(alice, file.id);
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Length")).toBe(String(size));
    expect(await sha256(new Uint8Array(await res.arrayBuffer()))).toBe(await sha256(content));
  });

  it("lets a browser on another allowed origin preflight the upload PUT with its signed If-None-Match", async ({ expect }) => {
    const alice = await createUser();
    const upload = await requestUpload(alice, { size_bytes: 32 });
    const preflight = await exports.default.fetch(upload.upload_url, {
      method: "OPTIONS",
      headers: { Origin: "http://localhost:5173", "Access-Control-Request-Method": "PUT", "Access-Control-Request-Headers": "content-type,if-none-match" },
    });
    expect(preflight.headers.get("Access-Control-Allow-Origin")).toBe("http://localhost:5173");
    const allowed = (preflight.headers.get("Access-Control-Allow-Headers") ?? "").toLowerCase().split(/\s*,\s*/);
    expect(allowed).toEqual(expect.arrayContaining(["content-type", "if-none-match"]));
  });
});

async function sha256(data: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", data));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}
