import { newWrappingKey, sealedStore, type SecretStore } from "./e2ee/secret-store";
import type { OutboxStore, PersistedSend, StoredPosition, StreamPositionStore } from "./stores";

/**
 * The browser's stores, over raw IndexedDB: one database, an `outbox` object store keyed by the
 * frame's client_id, a `stream` store holding the position, and (version 2) an `e2ee` store of sealed
 * E2EE secrets beside the non-extractable AES-GCM key that seals them (IndexedDB keeps a CryptoKey
 * as a structured clone: usable after a reload, never readable as bytes). Raw rather than the `idb` wrapper:
 * four operations on two stores are ~60 lines, and the SDK stays free of run-time dependencies.
 * Writes resolve when their transaction commits (durable, not just queued). Tabs of one profile
 * share the database; that is safe because every resend keeps its client_id.
 */

const VERSION = 2;
const OUTBOX = "outbox";
const STREAM = "stream";
const E2EE = "e2ee";
const POSITION_KEY = "position";
const WRAPPING_KEY = "wrapping-key";

export interface IndexedDbStoreOptions {
  /** Database name (default "secureconnect-sdk"): one per app, or per signed-in account if you prefer. */
  name?: string;
  /** Defaults to the global `indexedDB` (pass another factory in tests or workers). */
  indexedDB?: IDBFactory;
}

export function indexedDbStores(options: IndexedDbStoreOptions = {}): { outbox: OutboxStore; position: StreamPositionStore; secrets: SecretStore } {
  let opened: Promise<IDBDatabase> | null = null;
  const db = (): Promise<IDBDatabase> => {
    opened ??= open(options.name ?? "secureconnect-sdk", options.indexedDB ?? globalThis.indexedDB).catch((error: unknown) => {
      opened = null; // a failed open (private mode, quota) is tried again next time
      throw error;
    });
    return opened;
  };
  const outbox: OutboxStore = {
    // Our own records, written by `save` below: the cast only restores their type.
    load: async () => (await run(await db(), OUTBOX, "readonly", (s) => s.getAll())) as PersistedSend[],
    save: async (send) => void (await run(await db(), OUTBOX, "readwrite", (s) => s.put(send))),
    delete: async (clientId) => void (await run(await db(), OUTBOX, "readwrite", (s) => s.delete(clientId))),
  };
  const position: StreamPositionStore = {
    load: async () => ((await run(await db(), STREAM, "readonly", (s) => s.get(POSITION_KEY))) as StoredPosition | undefined) ?? null,
    save: async (value) => void (await run(await db(), STREAM, "readwrite", (s) => s.put(value, POSITION_KEY))),
  };
  const raw: SecretStore = {
    get: async (key) => ((await run(await db(), E2EE, "readonly", (s) => s.get(`v:${key}`))) as Uint8Array | undefined) ?? null,
    put: async (key, value) => void (await run(await db(), E2EE, "readwrite", (s) => s.put(value, `v:${key}`))),
    delete: async (key) => void (await run(await db(), E2EE, "readwrite", (s) => s.delete(`v:${key}`))),
    keys: async (prefix) => {
      const found = await run(await db(), E2EE, "readonly", (s) => s.getAllKeys());
      return found.filter((key): key is string => typeof key === "string" && key.startsWith(`v:${prefix}`)).map((key) => key.slice(2));
    },
  };
  let wrapping: Promise<CryptoKey> | null = null;
  const wrappingKey = (): Promise<CryptoKey> => {
    wrapping ??= loadOrCreateWrappingKey(db).catch((error: unknown) => {
      wrapping = null;
      throw error;
    });
    return wrapping;
  };
  return { outbox, position, secrets: sealedStore(raw, wrappingKey) };
}

/** The device's wrapping key: made once, kept in IndexedDB as a non-extractable CryptoKey. `add` keeps the first one if two tabs race. */
async function loadOrCreateWrappingKey(db: () => Promise<IDBDatabase>): Promise<CryptoKey> {
  const stored = (await run(await db(), E2EE, "readonly", (s) => s.get(WRAPPING_KEY))) as CryptoKey | undefined;
  if (stored) return stored;
  const created = await newWrappingKey();
  await run(await db(), E2EE, "readwrite", (s) => s.add(created, WRAPPING_KEY)).catch(() => undefined);
  const kept = (await run(await db(), E2EE, "readonly", (s) => s.get(WRAPPING_KEY))) as CryptoKey | undefined;
  if (!kept) throw new Error("IndexedDB did not keep the E2EE wrapping key");
  return kept;
}

function open(name: string, factory: IDBFactory | undefined): Promise<IDBDatabase> {
  if (!factory) return Promise.reject(new Error("IndexedDB is not available here: use the memory stores or pass `indexedDB`."));
  return new Promise((resolve, reject) => {
    const request = factory.open(name, VERSION);
    request.onupgradeneeded = () => {
      const database = request.result;
      if (!database.objectStoreNames.contains(OUTBOX)) database.createObjectStore(OUTBOX, { keyPath: "frame.client_id" });
      if (!database.objectStoreNames.contains(STREAM)) database.createObjectStore(STREAM);
      if (!database.objectStoreNames.contains(E2EE)) database.createObjectStore(E2EE);
    };
    request.onsuccess = () => {
      const database = request.result;
      // Another tab upgrading the schema later: step aside instead of blocking it.
      database.onversionchange = () => database.close();
      resolve(database);
    };
    request.onerror = () => reject(request.error ?? new Error("IndexedDB open failed"));
    request.onblocked = () => reject(new Error("IndexedDB open blocked by another tab"));
  });
}

/** One request in its own transaction; resolves with its result once the transaction committed. */
function run<T>(database: IDBDatabase, store: string, mode: IDBTransactionMode, op: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    const tx = database.transaction(store, mode);
    const request = op(tx.objectStore(store));
    tx.oncomplete = () => resolve(request.result);
    tx.onerror = () => reject(tx.error ?? new Error("IndexedDB transaction failed"));
    tx.onabort = () => reject(tx.error ?? new Error("IndexedDB transaction aborted"));
  });
}
