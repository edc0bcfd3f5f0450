import { ownBytes, utf8 } from "./bytes";

/**
 * Where a device keeps its E2EE secrets: its identity key, KeyPackage private keys, each
 * conversation's MLS group state, pinned contact keys and the plaintext of messages it already
 * decrypted (MLS deletes message keys after use, so a message can be decrypted once only).
 * Writes resolve once durable; the SDK awaits them before it acknowledges anything.
 */
export interface SecretStore {
  get(key: string): Promise<Uint8Array | null>;
  put(key: string, value: Uint8Array): Promise<void>;
  delete(key: string): Promise<void>;
  /** Keys starting with `prefix`. */
  keys(prefix: string): Promise<string[]>;
}

export class MemorySecretStore implements SecretStore {
  private readonly values = new Map<string, Uint8Array>();

  async get(key: string): Promise<Uint8Array | null> {
    return this.values.get(key)?.slice() ?? null;
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    this.values.set(key, value.slice());
  }

  async delete(key: string): Promise<void> {
    this.values.delete(key);
  }

  async keys(prefix: string): Promise<string[]> {
    return [...this.values.keys()].filter((key) => key.startsWith(prefix));
  }
}

const IV_BYTES = 12;

/** A fresh wrapping key: AES-256-GCM, non-extractable (script on the page can use it but never read it out). */
export function newWrappingKey(): Promise<CryptoKey> {
  return crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"]);
}

/**
 * Seals every value with AES-GCM under `wrappingKey` before it reaches `inner` (IndexedDB), with
 * the record's key as additional data, so a record copied under another key does not open. A record
 * that does not open reads as missing (a damaged store costs state, it never yields garbage).
 */
export function sealedStore(inner: SecretStore, wrappingKey: () => Promise<CryptoKey>): SecretStore {
  return {
    async get(key) {
      const sealed = await inner.get(key);
      if (!sealed || sealed.length <= IV_BYTES) return null;
      try {
        const iv = ownBytes(sealed.slice(0, IV_BYTES));
        const plain = await crypto.subtle.decrypt(
          { name: "AES-GCM", iv, additionalData: utf8.encode(key) },
          await wrappingKey(),
          ownBytes(sealed.slice(IV_BYTES)),
        );
        return new Uint8Array(plain);
      } catch {
        return null;
      }
    },
    async put(key, value) {
      const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
      const sealed = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: utf8.encode(key) }, await wrappingKey(), ownBytes(value));
      const record = new Uint8Array(IV_BYTES + sealed.byteLength);
      record.set(iv);
      record.set(new Uint8Array(sealed), IV_BYTES);
      await inner.put(key, record);
    },
    delete: (key) => inner.delete(key),
    keys: (prefix) => inner.keys(prefix),
  };
}
