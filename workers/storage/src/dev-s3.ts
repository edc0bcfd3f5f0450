import { isDecimalDigits } from "../../../lib/contracts/decimal-param";
import { DEV_S3_PATH_PREFIX } from "../../../lib/contracts/storage";
import { missingS3Secrets, storageConfig } from "./config";
import { verifyPresigned } from "./presign";

/**
 * The development S3 endpoint: `PUT|GET|HEAD <origin>/dev/s3/<bucket>/<key>` with a presigned query
 * string, verified exactly as R2 would (signature, expiry, signed Content-Length and Content-Type),
 * then served from the local R2 binding. A PUT honours `If-None-Match` as R2 does (`*`: create only,
 * 412 PreconditionFailed when the key exists), which is what keeps upload URLs from overwriting. It answers like S3 (XML errors) so any S3 client and a plain
 * `curl -T` work. Production never serves it: the URLs there point at R2 itself.
 */
export async function handleDevS3(request: Request, env: StorageEnv): Promise<Response> {
  const response = await route(request, env);
  if (request.body && !request.bodyUsed) {
    // A refused upload's body is never read. Draining it lets the sender's pump end cleanly (a
    // cancelled stream makes workerd log errors at the gateway); bodies past the file limit are cut.
    const declared = declaredLength(request);
    const drainable = Number.isSafeInteger(declared) && declared <= storageConfig(env).maxFileBytes;
    await (drainable ? request.body.pipeTo(new WritableStream()) : request.body.cancel()).catch(() => undefined);
  }
  return response;
}

async function route(request: Request, env: StorageEnv): Promise<Response> {
  const config = storageConfig(env);
  const url = new URL(request.url);
  if (config.production || !url.pathname.startsWith(DEV_S3_PATH_PREFIX)) return s3Error(404, "NotFound", "Not found.");
  const [bucket, ...keyParts] = url.pathname.slice(DEV_S3_PATH_PREFIX.length).split("/");
  let key: string;
  try {
    key = keyParts.map(decodeURIComponent).join("/");
  } catch {
    return s3Error(400, "InvalidURI", "The object key is not valid percent-encoding.");
  }
  if (bucket !== config.bucket) return s3Error(404, "NoSuchBucket", "The specified bucket does not exist.");
  if (key.length === 0) return s3Error(400, "InvalidRequest", "Only object requests (PUT, GET, HEAD of a key) are supported.");
  if (request.method !== "PUT" && request.method !== "GET" && request.method !== "HEAD") {
    return s3Error(405, "MethodNotAllowed", "The specified method is not allowed against this resource.");
  }
  if (missingS3Secrets(env).length > 0) return s3Error(503, "ServiceUnavailable", "The S3 signing secrets are not configured.");

  const refused = await verifyPresigned(request, { accessKeyId: env.R2_ACCESS_KEY_ID, secretAccessKey: env.R2_SECRET_ACCESS_KEY });
  if (refused) return s3Error(refused.status, refused.code, refused.message);
  return request.method === "PUT" ? putObject(request, env, key, config.maxFileBytes) : getObject(request, env, key, url);
}

async function putObject(request: Request, env: StorageEnv, key: string, maxFileBytes: number): Promise<Response> {
  // The signature already binds these two headers; reading them here only shapes the write.
  const length = declaredLength(request);
  const contentType = request.headers.get("content-type") ?? "";
  if (!Number.isSafeInteger(length) || length < 0) return s3Error(411, "MissingContentLength", "You must provide the Content-Length HTTP header.");
  if (length > maxFileBytes) return s3Error(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed object size.");
  const ifNoneMatch = request.headers.get("if-none-match");
  try {
    // A body with a declared length streams straight into R2 (no buffering in the worker); the
    // condition is checked by R2 atomically with the write.
    const object = await env.FILES_BUCKET.put(key, request.body ?? new Uint8Array(0), {
      httpMetadata: { contentType },
      ...(ifNoneMatch !== null ? { onlyIf: new Headers({ "if-none-match": ifNoneMatch }) } : {}),
    });
    if (!object) return s3Error(412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold.");
    return new Response(null, { status: 200, headers: { ETag: object.httpEtag } });
  } catch {
    return s3Error(400, "IncompleteBody", "You did not provide the number of bytes specified by the Content-Length HTTP header.");
  }
}

async function getObject(request: Request, env: StorageEnv, key: string, url: URL): Promise<Response> {
  const head = request.method === "HEAD";
  const ranged = !head && request.headers.has("range");
  let object: R2Object | R2ObjectBody | null;
  try {
    object = head ? await env.FILES_BUCKET.head(key) : await env.FILES_BUCKET.get(key, ranged ? { range: request.headers } : {});
  } catch {
    return s3Error(416, "InvalidRange", "The requested range is not satisfiable.");
  }
  if (!object) return s3Error(404, "NoSuchKey", "The specified key does not exist.");
  const headers = new Headers();
  object.writeHttpMetadata(headers);
  headers.set("ETag", object.httpEtag);
  headers.set("Last-Modified", object.uploaded.toUTCString());
  headers.set("Accept-Ranges", "bytes");
  // Served from the API's own origin in development: never inline, whatever the stored type says.
  headers.set("Content-Disposition", url.searchParams.get("response-content-disposition") ?? "attachment");
  headers.set("Content-Security-Policy", "default-src 'none'; sandbox");
  headers.set("X-Content-Type-Options", "nosniff");
  const slice = ranged ? byteSlice(object.range, object.size) : null;
  if (slice) {
    headers.set("Content-Range", `bytes ${slice.offset}-${slice.offset + slice.length - 1}/${object.size}`);
    headers.set("Content-Length", String(slice.length));
  } else {
    headers.set("Content-Length", String(object.size));
  }
  return new Response(!head && isBody(object) ? object.body : null, { status: slice ? 206 : 200, headers });
}

/** The served part of a ranged read, from R2's range (offset/length or suffix form). */
function byteSlice(range: R2Range | undefined, size: number): { offset: number; length: number } | null {
  if (!range) return null;
  // Every R2Range variant is a subset of these optional fields; the runtime may set absent ones to undefined.
  const { offset, length, suffix }: { offset?: number; length?: number; suffix?: number } = range;
  const start = suffix !== undefined ? Math.max(0, size - suffix) : (offset ?? 0);
  const count = suffix !== undefined ? size - start : Math.min(size - start, length ?? size - start);
  return count > 0 ? { offset: start, length: count } : null;
}

/** The Content-Length header as a number; NaN when absent or not a plain decimal. */
function declaredLength(request: Request): number {
  const raw = request.headers.get("content-length");
  return raw !== null && isDecimalDigits(raw) ? Number(raw) : NaN;
}

function isBody(object: R2Object | R2ObjectBody): object is R2ObjectBody {
  return "body" in object;
}

function xmlEscape(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** S3's error document, which S3 clients parse. */
function s3Error(status: number, code: string, message: string): Response {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${xmlEscape(code)}</Code><Message>${xmlEscape(message)}</Message></Error>`;
  return new Response(body, { status, headers: { "Content-Type": "application/xml" } });
}
