/**
 * A fake Web Push service (RFC 8030 push resource), faithful where the consumer depends on it:
 *   POST /push/{id} with `Authorization: vapid t=<JWT>, k=<key>` (RFC 8292: ES256 signature checked
 *     with `k`, `aud` = this origin, `exp` in the future and ≤ 24 h away, `sub` mailto:/https:, and
 *     `k` the applicationServerKey the subscription was made with → else 401/403),
 *     `Content-Encoding: aes128gcm` and a TTL header (else 400), a body of at most 4096 bytes
 *     (else 413) that it DECRYPTS with the subscription's private key (RFC 8291; else 400)
 *   → 201 Created with a Location, or, when a test queued one, 404/410 (subscription gone),
 *     429 + Retry-After or 500/503.
 * Its decryption is written here from the RFC, apart from the production encryption, so a shared
 * mistake cannot pass. Installed on globalThis.fetch for its host only (tests and workers share an isolate).
 */
import { decodeProtectedHeader, jwtVerify } from "jose";
import { concatBytes, fromBase64url, toBase64url } from "../../lib/base64url";
import type { WebPushSubscription } from "../../lib/contracts/web-push";

export const WEB_PUSH_FAKE_HOST = "push.fake.test";
const ORIGIN = `https://${WEB_PUSH_FAKE_HOST}`;

export type WebPushFailure = "gone" | "not_found" | "rate_limited" | "internal" | "unavailable";
const failureStatus: Record<WebPushFailure, number> = { gone: 410, not_found: 404, rate_limited: 429, internal: 500, unavailable: 503 };

export interface ReceivedPush {
  subscriptionId: string;
  plaintext: string;
  headers: { ttl: string; urgency: string | null; topic: string | null };
  jwt: { aud: unknown; exp: unknown; sub: unknown };
}

interface Subscriber {
  privateKey: CryptoKey;
  publicKey: Uint8Array<ArrayBuffer>;
  auth: Uint8Array<ArrayBuffer>;
  applicationServerKey: string;
}

const utf8 = (s: string) => new Uint8Array(new TextEncoder().encode(s));

async function hkdf(
  salt: Uint8Array<ArrayBuffer>,
  ikm: Uint8Array<ArrayBuffer>,
  info: Uint8Array<ArrayBuffer>,
  bytes: number,
): Promise<Uint8Array<ArrayBuffer>> {
  const key = await crypto.subtle.importKey("raw", ikm, "HKDF", false, ["deriveBits"]);
  return new Uint8Array(await crypto.subtle.deriveBits({ name: "HKDF", hash: "SHA-256", salt, info }, key, bytes * 8));
}

/** RFC 8291 §3.4 and RFC 8188 §2, receiver side: one record, its padding delimiter checked. */
export async function decryptAes128gcm(
  body: Uint8Array<ArrayBuffer>,
  receiver: { privateKey: CryptoKey; publicKey: Uint8Array<ArrayBuffer>; auth: Uint8Array<ArrayBuffer> },
): Promise<string> {
  const salt = body.slice(0, 16);
  const idlen = body[20] ?? 0;
  const senderPublic = body.slice(21, 21 + idlen);
  const ciphertext = body.slice(21 + idlen);
  const senderKey = await crypto.subtle.importKey("raw", senderPublic, { name: "ECDH", namedCurve: "P-256" }, false, []);
  const ecdh = { name: "ECDH", public: senderKey } as SubtleCryptoDeriveKeyAlgorithm;
  const shared = new Uint8Array(await crypto.subtle.deriveBits(ecdh, receiver.privateKey, 256));
  const ikm = await hkdf(receiver.auth, shared, concatBytes(utf8("WebPush: info\0"), receiver.publicKey, senderPublic), 32);
  const cek = await hkdf(salt, ikm, utf8("Content-Encoding: aes128gcm\0"), 16);
  const nonce = await hkdf(salt, ikm, utf8("Content-Encoding: nonce\0"), 12);
  const key = await crypto.subtle.importKey("raw", cek, "AES-GCM", false, ["decrypt"]);
  const record = new Uint8Array(await crypto.subtle.decrypt({ name: "AES-GCM", iv: nonce }, key, ciphertext));
  let end = record.length - 1;
  while (end >= 0 && record[end] === 0) end--;
  if (record[end] !== 2) throw new Error("not the last record (no 0x02 delimiter)");
  return new TextDecoder().decode(record.slice(0, end));
}

export class FakeWebPushService {
  readonly received: ReceivedPush[] = [];
  readonly attempts = new Map<string, number>();
  private readonly subscribers = new Map<string, Subscriber>();
  private readonly failures = new Map<string, { failure: WebPushFailure; retryAfter?: string }[]>();

  /** A browser subscribing with `applicationServerKey`: what PushSubscription.toJSON() gives. */
  async subscribe(applicationServerKey: string): Promise<WebPushSubscription & { id: string }> {
    const pair = (await crypto.subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, true, ["deriveBits"])) as CryptoKeyPair;
    const publicKey = new Uint8Array((await crypto.subtle.exportKey("raw", pair.publicKey)) as ArrayBuffer);
    const auth = crypto.getRandomValues(new Uint8Array(16));
    const id = crypto.randomUUID();
    this.subscribers.set(id, { privateKey: pair.privateKey, publicKey, auth, applicationServerKey });
    return { id, endpoint: `${ORIGIN}/push/${id}`, expirationTime: null, keys: { p256dh: toBase64url(publicKey), auth: toBase64url(auth) } };
  }

  /** The next sends to this subscription fail this way, in order. */
  failNext(subscriptionId: string, ...failures: { failure: WebPushFailure; retryAfter?: string }[]): void {
    this.failures.set(subscriptionId, [...(this.failures.get(subscriptionId) ?? []), ...failures]);
  }

  /** The user unsubscribed (or the browser dropped it): the push service answers 410 from now on. */
  unsubscribe(subscriptionId: string): void {
    this.subscribers.delete(subscriptionId);
  }

  receivedBy(subscriptionId: string): ReceivedPush[] {
    return this.received.filter((r) => r.subscriptionId === subscriptionId);
  }

  install(): () => void {
    const original = globalThis.fetch;
    globalThis.fetch = async (input, init) => {
      const request = new Request(input, init);
      const url = new URL(request.url);
      if (url.host !== WEB_PUSH_FAKE_HOST) return original(input, init);
      const match = /^\/push\/([^/]+)$/.exec(url.pathname);
      if (request.method !== "POST" || match?.[1] === undefined) return new Response("not found", { status: 404 });
      return this.push(request, match[1]);
    };
    return () => void (globalThis.fetch = original);
  }

  private async push(request: Request, id: string): Promise<Response> {
    this.attempts.set(id, (this.attempts.get(id) ?? 0) + 1);
    const subscriber = this.subscribers.get(id);
    if (!subscriber) return new Response("subscription expired or unsubscribed", { status: 410 });
    const queued = this.failures.get(id)?.shift();
    if (queued) {
      const headers: Record<string, string> = queued.retryAfter !== undefined ? { "retry-after": queued.retryAfter } : {};
      return new Response(queued.failure, { status: failureStatus[queued.failure], headers });
    }
    const vapid = await this.checkVapid(request.headers.get("authorization"), subscriber);
    if (!vapid.ok) return new Response(vapid.reason, { status: vapid.status });
    const ttl = request.headers.get("ttl");
    if (request.headers.get("content-encoding") !== "aes128gcm" || ttl === null || !/^\d+$/.test(ttl)) return new Response("bad headers", { status: 400 });
    const body = new Uint8Array(await request.arrayBuffer());
    if (body.length > 4096) return new Response("payload too large", { status: 413 });
    let plaintext: string;
    try {
      plaintext = await decryptAes128gcm(body, subscriber);
    } catch {
      return new Response("cannot decrypt", { status: 400 });
    }
    this.received.push({
      subscriptionId: id,
      plaintext,
      headers: { ttl, urgency: request.headers.get("urgency"), topic: request.headers.get("topic") },
      jwt: vapid.claims,
    });
    return new Response(null, { status: 201, headers: { location: `${ORIGIN}/message/${crypto.randomUUID()}` } });
  }

  private async checkVapid(
    header: string | null,
    subscriber: Subscriber,
  ): Promise<{ ok: true; claims: ReceivedPush["jwt"] } | { ok: false; status: number; reason: string }> {
    const match = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(header ?? "");
    const [token, k] = [match?.[1], match?.[2]];
    if (token === undefined || k === undefined) return { ok: false, status: 401, reason: "missing vapid authorization" };
    if (k !== subscriber.applicationServerKey) return { ok: false, status: 403, reason: "key does not match the subscription" };
    try {
      if (decodeProtectedHeader(token).alg !== "ES256") throw new Error("alg");
      const key = await crypto.subtle.importKey("raw", fromBase64url(k), { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
      const { payload } = await jwtVerify(token, key, { audience: ORIGIN, algorithms: ["ES256"] });
      const now = Math.floor(Date.now() / 1000);
      if (typeof payload.exp !== "number" || payload.exp <= now || payload.exp > now + 24 * 3600) throw new Error("exp");
      if (typeof payload.sub !== "string" || !/^(mailto:|https:)/.test(payload.sub)) throw new Error("sub");
      return { ok: true, claims: { aud: payload.aud, exp: payload.exp, sub: payload.sub } };
    } catch {
      return { ok: false, status: 403, reason: "invalid vapid token" };
    }
  }
}
