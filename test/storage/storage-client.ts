import { exports } from "cloudflare:workers";
import type { DownloadUrlResponse, FileView, QuotaResponse, UploadUrlResponse } from "../../lib/contracts/storage";
import { BASE, type TestUser } from "../helpers/auth";

/** Calls the public gateway the way an app would, for the storage tests. */
export function api(path: string, init: RequestInit = {}): Promise<Response> {
  return exports.default.fetch(`${BASE}${path}`, init);
}

export function post(user: TestUser, path: string, body: unknown): Promise<Response> {
  return api(path, { method: "POST", headers: user.headers, body: JSON.stringify(body) });
}

export function get(user: TestUser, path: string): Promise<Response> {
  return api(path, { headers: user.headers });
}

export function bytes(n: number, seed = 7): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}

export interface UploadSpec {
  file_name?: string;
  content_type?: string;
  size_bytes: number;
  conversation_id?: string;
}

/** POST /v1/storage/upload-url and expect 201. */
export async function requestUpload(user: TestUser, spec: UploadSpec): Promise<UploadUrlResponse> {
  const res = await post(user, "/v1/storage/upload-url", { file_name: "photo.png", content_type: "image/png", ...spec });
  if (res.status !== 201) throw new Error(`upload-url answered ${res.status}: ${await res.text()}`);
  return await res.json<UploadUrlResponse>();
}

/** PUTs bytes to a presigned URL (through the gateway, as a client would) with the given headers. */
export function putObject(url: string, body: Uint8Array, headers: Record<string, string>): Promise<Response> {
  return exports.default.fetch(url, { method: "PUT", headers, body });
}

/**
 * The upload as the API tells the client to do it: the returned method, URL and headers (but for
 * Content-Length, which fetch computes from the body, as browsers do).
 */
export function putAsInstructed(upload: UploadUrlResponse, body: Uint8Array): Promise<Response> {
  const { "Content-Length": _length, ...headers } = upload.headers;
  return putObject(upload.upload_url, body, headers);
}

export async function complete(user: TestUser, fileId: string): Promise<Response> {
  return post(user, "/v1/storage/upload-complete", { file_id: fileId });
}

/** upload-url → PUT → upload-complete, expecting success at each step. */
export async function uploadFile(user: TestUser, spec: UploadSpec, body: Uint8Array = bytes(spec.size_bytes)): Promise<FileView> {
  const upload = await requestUpload(user, spec);
  const put = await putAsInstructed(upload, body);
  if (put.status !== 200) throw new Error(`PUT answered ${put.status}: ${await put.text()}`);
  const done = await complete(user, upload.file_id);
  if (done.status !== 200) throw new Error(`upload-complete answered ${done.status}: ${await done.text()}`);
  return (await done.json<{ file: FileView }>()).file;
}

export async function quotaOf(user: TestUser): Promise<QuotaResponse> {
  const res = await get(user, "/v1/storage/quota");
  if (res.status !== 200) throw new Error(`quota answered ${res.status}`);
  return await res.json<QuotaResponse>();
}

export async function downloadUrlOf(user: TestUser, fileId: string): Promise<Response> {
  return get(user, `/v1/storage/download-url/${encodeURIComponent(fileId)}`);
}

export async function download(user: TestUser, fileId: string): Promise<{ res: Response; body: DownloadUrlResponse }> {
  const res = await downloadUrlOf(user, fileId);
  if (res.status !== 200) throw new Error(`download-url answered ${res.status}: ${await res.text()}`);
  const body = await res.json<DownloadUrlResponse>();
  return { res: await exports.default.fetch(body.download_url), body };
}

export async function errorCode(res: Response): Promise<string> {
  const body = await res.json<{ error?: { code?: string } }>();
  return body.error?.code ?? "(no envelope)";
}

/** The S3 error code of an XML error document from the dev S3 endpoint. */
export async function s3Code(res: Response): Promise<string> {
  return /<Code>([^<]+)<\/Code>/.exec(await res.text())?.[1] ?? "(no S3 error)";
}
