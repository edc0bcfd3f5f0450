import { base64url } from "../../../lib/ids";

/** Byte helpers of the E2EE layer: hex, base64url, UTF-8 and length-prefixed framing. */

export const utf8 = {
  encode: (text: string): Uint8Array<ArrayBuffer> => new TextEncoder().encode(text),
  decode: (bytes: Uint8Array): string => new TextDecoder().decode(bytes),
};

/** A copy backed by a plain ArrayBuffer (what WebCrypto's BufferSource wants). */
export const ownBytes = (bytes: Uint8Array): Uint8Array<ArrayBuffer> => new Uint8Array(bytes);

export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export function fromHex(hex: string): Uint8Array {
  return Uint8Array.from(hex.match(/../g) ?? [], (pair) => parseInt(pair, 16));
}

/** Unpadded base64url: the encoding of every MLS payload on the wire (the server's own helper). */
export const toBase64Url = base64url;

/** null for text that is not base64url (a damaged or hostile payload), never a throw. */
export function fromBase64Url(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return null;
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (text.length % 4)) % 4));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

export function concatBytes(parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** A 4-byte big-endian length, then the bytes. */
export function frame(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + bytes.length);
  new DataView(out.buffer).setUint32(0, bytes.length);
  out.set(bytes, 4);
  return out;
}

/** The parts of a concatenation of `frame`s, or null when the framing is damaged. */
export function readFrames(bytes: Uint8Array): Uint8Array[] | null {
  const parts: Uint8Array[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  while (at < bytes.length) {
    if (at + 4 > bytes.length) return null;
    const length = view.getUint32(at);
    if (at + 4 + length > bytes.length) return null;
    parts.push(bytes.slice(at + 4, at + 4 + length));
    at += 4 + length;
  }
  return parts;
}
