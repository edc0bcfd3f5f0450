import type { OutboxStore } from "./stores";
import type { ChatSendFrame } from "./types";

/** What `send` resolves with: the message is durably stored under this seq. */
export interface Delivered {
  client_id: string;
  seq: number;
}

interface Entry {
  frame: ChatSendFrame;
  resolve: (delivered: Delivered) => void;
  reject: (error: Error) => void;
}

/** A send the server refused for good (validation, size, not a member): it is not retried. */
export class SendRejected extends Error {
  override readonly name = "SendRejected";
  constructor(
    readonly code: string,
    message: string,
    readonly clientId: string,
  ) {
    super(message);
  }
}

/** Where an outbox persists its sends: the store, and whose and which conversation's they are. */
export interface OutboxPersistence {
  store: OutboxStore;
  userId: string;
  conversationId: string;
}

/**
 * Messages handed to `send` until the server acknowledges them. Each keeps its `client_id`, so
 * resending after a reconnect is safe: the room stores one message per (sender, client_id) and
 * acks a retry with the original seq. Insertion order is resend order. With a store, every send is
 * also persisted until acknowledged or refused, and `restore` brings back what an earlier run left.
 */
export class Outbox {
  private entries = new Map<string, Entry>();

  constructor(private readonly persistence?: OutboxPersistence) {}

  add(frame: ChatSendFrame): Promise<Delivered> {
    this.persist(frame);
    return new Promise((resolve, reject) => {
      this.entries.set(frame.client_id, { frame, resolve, reject });
    });
  }

  /**
   * Loads this user's persisted sends for the conversation (an earlier run's, or a closed
   * connection's) ahead of the queued ones, and returns those that were not queued yet.
   * Nobody awaits a restored send: its delivery shows as the message itself in the stream.
   */
  async restore(): Promise<ChatSendFrame[]> {
    const persistence = this.persistence;
    if (!persistence) return [];
    const stored = await persistence.store.load();
    const mine = stored
      .filter((send) => send.user_id === persistence.userId && send.conversation_id === persistence.conversationId)
      .sort((a, b) => a.queued_at - b.queued_at)
      .map((send) => send.frame)
      .filter((frame) => !this.entries.has(frame.client_id));
    if (mine.length === 0) return [];
    const restored = new Map<string, Entry>(mine.map((frame) => [frame.client_id, { frame, resolve: () => undefined, reject: () => undefined }]));
    this.entries = new Map([...restored, ...this.entries]);
    return mine;
  }

  has(clientId: string): boolean {
    return this.entries.has(clientId);
  }

  /** Frames still waiting for an ack, oldest first. */
  pending(): ChatSendFrame[] {
    return [...this.entries.values()].map((entry) => entry.frame);
  }

  get size(): number {
    return this.entries.size;
  }

  /** An `ack`, or our own message seen in the stream (e.g. replayed after a reconnect). */
  delivered(clientId: string, seq: number): boolean {
    const entry = this.entries.get(clientId);
    if (!entry) return false;
    this.entries.delete(clientId);
    this.forget(clientId);
    entry.resolve({ client_id: clientId, seq });
    return true;
  }

  /** Refused for good (SendRejected): also forgotten by the store. */
  reject(clientId: string, error: Error): void {
    this.drop(clientId, error);
    this.forget(clientId);
  }

  /**
   * The connection is closed: whatever was not acknowledged fails here, but stays in the store,
   * so the next connection to this conversation (or the next run) sends it, under the same client_id.
   */
  rejectAll(error: Error): void {
    for (const clientId of [...this.entries.keys()]) this.drop(clientId, error);
  }

  private drop(clientId: string, error: Error): void {
    const entry = this.entries.get(clientId);
    if (!entry) return;
    this.entries.delete(clientId);
    entry.reject(error);
  }

  private persist(frame: ChatSendFrame): void {
    const persistence = this.persistence;
    if (!persistence) return;
    const send = { user_id: persistence.userId, conversation_id: persistence.conversationId, frame, queued_at: nextQueuedAt() };
    persistence.store.save(send).catch(storeFailed);
  }

  private forget(clientId: string): void {
    this.persistence?.store.delete(clientId).catch(storeFailed);
  }
}

let lastQueuedAt = 0;
/** Wall-clock milliseconds, bumped so that two sends in one millisecond keep their order. */
function nextQueuedAt(): number {
  lastQueuedAt = Math.max(Date.now(), lastQueuedAt + 1);
  return lastQueuedAt;
}

/** A store that cannot write costs only persistence: the send itself goes on from memory. */
function storeFailed(error: unknown): void {
  console.error("[secureconnect] outbox store failed", error);
}

/** A client_id that never repeats across devices: UUIDv4 where available. */
export function newClientId(): string {
  const cryptoApi = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  if (cryptoApi?.randomUUID) return cryptoApi.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}-${Math.random().toString(36).slice(2)}`;
}
