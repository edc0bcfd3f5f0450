import { sha512 } from "@noble/hashes/sha2.js";
import { concatBytes, toHex, utf8 } from "./bytes";
import type { SecretStore } from "./secret-store";

/** Trust on first use: the first signature key seen for a device is pinned; a different one later is a change to warn about. */
export type PinResult = "new" | "same" | "changed";

export interface KeyChange {
  user_id: string;
  device_id: string;
  /** Hex of the pinned key and of the one now presented. */
  pinned: string;
  presented: string;
}

const pinKey = (userId: string, deviceId: string) => `pin:${userId}:${deviceId}`;

export class TrustStore {
  constructor(private readonly store: SecretStore) {}

  /** Pins an unseen device's key; a different key for a pinned device is reported, and the pin kept until `accept`. */
  async check(userId: string, deviceId: string, key: Uint8Array): Promise<{ result: PinResult; change?: KeyChange }> {
    const pinned = await this.store.get(pinKey(userId, deviceId));
    if (!pinned) {
      await this.store.put(pinKey(userId, deviceId), key);
      return { result: "new" };
    }
    if (toHex(pinned) === toHex(key)) return { result: "same" };
    return { result: "changed", change: { user_id: userId, device_id: deviceId, pinned: toHex(pinned), presented: toHex(key) } };
  }

  /** The user compared safety numbers (or accepts the change): pin the presented key. */
  async accept(userId: string, deviceId: string, key: Uint8Array): Promise<void> {
    await this.store.put(pinKey(userId, deviceId), key);
  }

  /** Every pinned key of a user, by device id. */
  async pinned(userId: string): Promise<Map<string, Uint8Array>> {
    const out = new Map<string, Uint8Array>();
    for (const key of await this.store.keys(`pin:${userId}:`)) {
      const value = await this.store.get(key);
      if (value) out.set(key.slice(`pin:${userId}:`.length), value);
    }
    return out;
  }
}

/** Iterations of SHA-512 per side, as in Signal's numeric fingerprints: makes finding a colliding key costly. */
const FINGERPRINT_ITERATIONS = 5200;

/** 30 digits for one user: their device keys (sorted, so device order does not matter) hashed with their id. */
function fingerprint(userId: string, keys: Uint8Array[]): string {
  const sorted = keys.map(toHex).sort();
  const keyBytes = utf8.encode(sorted.join(""));
  const id = utf8.encode(userId);
  // Synchronous SHA-512 (@noble/hashes, already bundled for ts-mls): 5,200 awaited WebCrypto digests take seconds.
  let hash = sha512(concatBytes([new Uint8Array([0, 0]), keyBytes, id]));
  for (let i = 1; i < FINGERPRINT_ITERATIONS; i++) hash = sha512(concatBytes([hash, keyBytes]));
  let digits = "";
  for (let chunk = 0; chunk < 6; chunk++) {
    const at = chunk * 5;
    // 5 bytes as a 40-bit number (exact in a double), mod 100,000: five digits.
    const value =
      (hash[at] ?? 0) * 2 ** 32 + (((hash[at + 1] ?? 0) << 24) >>> 0) + ((hash[at + 2] ?? 0) << 16) + ((hash[at + 3] ?? 0) << 8) + (hash[at + 4] ?? 0);
    digits += String(value % 100_000).padStart(5, "0");
  }
  return digits;
}

/**
 * The 60-digit safety number of two users, the same on both sides (the lower fingerprint first):
 * read aloud or compared side by side, it proves both see the same device keys.
 */
export async function safetyNumber(a: { userId: string; keys: Uint8Array[] }, b: { userId: string; keys: Uint8Array[] }): Promise<string> {
  const [left, right] = [fingerprint(a.userId, a.keys), fingerprint(b.userId, b.keys)].sort();
  return `${left ?? ""}${right ?? ""}`;
}

/** "12345 67890 …": the number in groups of five, as shown. */
export const formatSafetyNumber = (digits: string): string => digits.replace(/(\d{5})(?=\d)/g, "$1 ");
