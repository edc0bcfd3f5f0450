/**
 * RFC 8291 message encryption for Web Push, with WebCrypto only: an ephemeral ECDH P-256 key
 * agreement with the browser's `p256dh` key, HKDF-SHA-256 mixed with its `auth` secret, and one
 * RFC 8188 `aes128gcm` record whose header carries the salt, the record size and our public key.
 *
 *   IKM   = HKDF(salt = auth, ikm = ECDH(as, ua), info = "WebPush: info\0" ‖ ua_public ‖ as_public, 32)
 *   CEK   = HKDF(salt, IKM, "Content-Encoding: aes128gcm\0", 16)
 *   NONCE = HKDF(salt, IKM, "Content-Encoding: nonce\0", 12)
 *   body  = salt(16) ‖ rs(4, 4096) ‖ idlen(1, 65) ‖ as_public(65) ‖ AES-128-GCM(payload ‖ 0x02)
 */
import { concatBytes, fromBase64url } from "../../../../lib/base64url";

const RECORD_SIZE = 4096;
/** One record holds the payload, its delimiter and the 16-byte tag; push services accept 4096 bytes of body. */
export const WEB_PUSH_MAX_PAYLOAD_BYTES = RECORD_SIZE - 16 - 1 - 86;

export interface EncryptionKeys {
  /** The browser's subscription keys (base64url), from PushSubscription.toJSON(). */
  p256dh: string;
  auth: string;
}

/** Fixed inputs for the RFC's test vector; production draws both fresh for every message. */
export interface EncryptionFixture {
  salt: Uint8Array<ArrayBuffer>;
  serverKeys: CryptoKeyPair;
}

export const utf8 = (s: string): Uint8Array<ArrayBuffer> => new Uint8Array(new TextEncoder().encode(s));

async function hkdf(
  salt: Uint8Array<ArrayBuffer>,
  ikm: Uint8Array<ArrayBuffer>,
  info: Uint8Array<ArrayBuffer>,
  bytes: number,
): Promise<Uint8Array<ArrayBuffer>> {
  const key = await crypto.subtle.importKey("raw", ikm, "HKDF", false, ["deriveBits"]);
  return new Uint8Array(await crypto.subtle.deriveBits({ name: "HKDF", hash: "SHA-256", salt, info }, key, bytes * 8));
}

async function ephemeralKeys(): Promise<CryptoKeyPair> {
  const pair = await crypto.subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, true, ["deriveBits"]);
  // workerd types generateKey broadly (CryptoKey | CryptoKeyPair); ECDH always gives a pair.
  if (!("privateKey" in pair)) throw new Error("ECDH generateKey gave no key pair");
  return pair;
}

/** The aes128gcm body for one push; throws on a payload over WEB_PUSH_MAX_PAYLOAD_BYTES or unusable keys. */
export async function encryptWebPush(keys: EncryptionKeys, payload: Uint8Array<ArrayBuffer>, fixture?: EncryptionFixture): Promise<Uint8Array<ArrayBuffer>> {
  if (payload.length > WEB_PUSH_MAX_PAYLOAD_BYTES) throw new Error("web push payload too large");
  const uaPublic = fromBase64url(keys.p256dh);
  const authSecret = fromBase64url(keys.auth);
  const salt = fixture?.salt ?? crypto.getRandomValues(new Uint8Array(16));
  const server = fixture?.serverKeys ?? (await ephemeralKeys());
  const uaKey = await crypto.subtle.importKey("raw", uaPublic, { name: "ECDH", namedCurve: "P-256" }, false, []);
  const asPublic = new Uint8Array((await crypto.subtle.exportKey("raw", server.publicKey)) as ArrayBuffer);
  // WebCrypto names the peer key `public`; workerd's generated types spell it `$public`.
  const ecdh = { name: "ECDH", public: uaKey } as SubtleCryptoDeriveKeyAlgorithm;
  const shared = new Uint8Array(await crypto.subtle.deriveBits(ecdh, server.privateKey, 256));

  const ikm = await hkdf(authSecret, shared, concatBytes(utf8("WebPush: info\0"), uaPublic, asPublic), 32);
  const cek = await hkdf(salt, ikm, utf8("Content-Encoding: aes128gcm\0"), 16);
  const nonce = await hkdf(salt, ikm, utf8("Content-Encoding: nonce\0"), 12);

  const aesKey = await crypto.subtle.importKey("raw", cek, "AES-GCM", false, ["encrypt"]);
  const record = concatBytes(payload, new Uint8Array([2]));
  const ciphertext = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv: nonce, tagLength: 128 }, aesKey, record));

  const header = new Uint8Array(16 + 4 + 1);
  header.set(salt, 0);
  new DataView(header.buffer).setUint32(16, RECORD_SIZE);
  header[20] = asPublic.length;
  return concatBytes(header, asPublic, ciphertext);
}
