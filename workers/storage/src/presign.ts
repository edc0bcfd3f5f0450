import { AwsV4Signer } from "aws4fetch";
import { isDecimalDigits } from "../../../lib/contracts/decimal-param";

/**
 * SigV4 query-string presigning (aws4fetch) and its verification for the development S3 endpoint.
 * Both directions run the same aws4fetch canonicalisation, so a URL this module signs verifies
 * exactly when nothing signed (method, host, path, query, signed header values, time) changed.
 */

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/** R2 is region "auto"; the dev endpoint uses the same scope so one signer serves both. */
const SCOPE = { service: "s3", region: "auto" } as const;
export const PRESIGN_TTL_SECONDS = 15 * 60;
/** S3's own upper bound for X-Amz-Expires (7 days). */
const MAX_EXPIRES_SECONDS = 7 * 24 * 60 * 60;
/** How far in the future a signing time may lie (clock skew between signer and verifier). */
const MAX_FUTURE_SKEW_MS = 15 * 60 * 1000;

/** SigV4's basic ISO-8601 form: 20260101T120000Z. */
export function amzDate(at: Date): string {
  return at.toISOString().replace(/[:-]|\.\d{3}/g, "");
}

function parseAmzDate(value: string): Date | null {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return null;
  const at = new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`);
  return Number.isNaN(at.getTime()) ? null : at;
}

export interface PresignInput {
  method: "PUT" | "GET";
  url: URL;
  /** Headers the client must send with exactly these values (all of them are signed). */
  headers?: Record<string, string>;
  credentials: S3Credentials;
  /** The signing time: a parameter so tests can mint URLs that are already expired. */
  now?: Date;
  ttlSeconds?: number;
}

/** A presigned URL: the signature, expiry and signed-header list travel in its query string. */
export async function presign(input: PresignInput): Promise<{ url: string; expiresAt: string }> {
  const now = input.now ?? new Date();
  const ttl = input.ttlSeconds ?? PRESIGN_TTL_SECONDS;
  const url = new URL(input.url);
  url.searchParams.set("X-Amz-Expires", String(ttl));
  // allHeaders: aws4fetch leaves content-type/length unsigned by default; binding them is the point.
  const signer = new AwsV4Signer({
    method: input.method,
    url: url.toString(),
    headers: input.headers ?? {},
    ...input.credentials,
    ...SCOPE,
    datetime: amzDate(now),
    signQuery: true,
    allHeaders: true,
  });
  const signed = await signer.sign();
  return { url: signed.url.toString(), expiresAt: new Date(now.getTime() + ttl * 1000).toISOString() };
}

/** Why a presigned request is refused, as S3 error codes (the dev endpoint answers like S3). */
export type PresignFailure = {
  status: 400 | 403;
  code: "AuthorizationQueryParametersError" | "InvalidAccessKeyId" | "AccessDenied" | "SignatureDoesNotMatch";
  message: string;
};

const failure = (status: 400 | 403, code: PresignFailure["code"], message: string): PresignFailure => ({ status, code, message });

/** Signed headers a verifier insists on, per method (the upload binds its length and type). */
const REQUIRED_SIGNED_HEADERS: Record<string, readonly string[]> = {
  PUT: ["host", "content-length", "content-type"],
  GET: ["host"],
  HEAD: ["host"],
};

/** Verifies a presigned request; null means valid. */
export async function verifyPresigned(request: Request, credentials: S3Credentials, now: Date = new Date()): Promise<PresignFailure | null> {
  const url = new URL(request.url);
  const q = url.searchParams;
  const algorithm = q.get("X-Amz-Algorithm");
  const credential = q.get("X-Amz-Credential");
  const date = parseAmzDate(q.get("X-Amz-Date") ?? "");
  const expiresRaw = q.get("X-Amz-Expires") ?? "";
  const signedHeaders = q.get("X-Amz-SignedHeaders");
  const signature = q.get("X-Amz-Signature");
  const expires = isDecimalDigits(expiresRaw, 6) ? Number(expiresRaw) : NaN;
  if (algorithm !== "AWS4-HMAC-SHA256" || !credential || !date || !signedHeaders || !signature || !/^[0-9a-f]{64}$/.test(signature)) {
    return failure(
      400,
      "AuthorizationQueryParametersError",
      "Query-string authentication (SigV4) requires the X-Amz-Algorithm, -Credential, -Date, -Expires, -SignedHeaders and -Signature parameters.",
    );
  }
  if (!(expires >= 1 && expires <= MAX_EXPIRES_SECONDS)) {
    return failure(400, "AuthorizationQueryParametersError", "X-Amz-Expires must be between 1 and 604800 seconds.");
  }
  if (credential.split("/")[0] !== credentials.accessKeyId) {
    return failure(403, "InvalidAccessKeyId", "The access key id in the credential is not known here.");
  }
  if (now.getTime() > date.getTime() + expires * 1000) return failure(403, "AccessDenied", "Request has expired.");
  if (date.getTime() - now.getTime() > MAX_FUTURE_SKEW_MS) return failure(403, "AccessDenied", "Request is signed for a time in the future.");

  const names = signedHeaders.split(";");
  const required = REQUIRED_SIGNED_HEADERS[request.method] ?? ["host"];
  if (!required.every((name) => names.includes(name))) {
    return failure(403, "AccessDenied", `This request must sign the headers: ${required.join(", ")}.`);
  }
  const headers: Record<string, string> = {};
  for (const name of names) {
    if (name === "host") continue;
    const value = request.headers.get(name);
    if (value === null) return failure(403, "SignatureDoesNotMatch", `The signed header ${name} is missing from the request.`);
    headers[name] = value;
  }
  const unsigned = new URL(url);
  unsigned.searchParams.delete("X-Amz-Signature");
  const signer = new AwsV4Signer({
    method: request.method,
    url: unsigned.toString(),
    headers,
    ...credentials,
    ...SCOPE,
    datetime: amzDate(date),
    signQuery: true,
    allHeaders: true,
  });
  const expected = await signer.signature();
  // The recomputed query must also carry the client's own signed-header list and credential scope.
  const sameScope = signer.url.searchParams.get("X-Amz-Credential") === credential && signer.signedHeaders === signedHeaders;
  if (!sameScope || !timingSafeEqualHex(expected, signature)) {
    return failure(403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided.");
  }
  return null;
}

function timingSafeEqualHex(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  const enc = new TextEncoder();
  return crypto.subtle.timingSafeEqual(enc.encode(a), enc.encode(b));
}
