import type { ChatSendFrame, StreamPosition } from "./types";

/**
 * Pluggable persistence for what must survive a reload or a crash: unsent messages and the device
 * stream's position. The SDK keeps both in memory unless the app passes stores (`indexedDbStores()`
 * in browsers; on React Native, a few lines over AsyncStorage: see client/README.md). Every method
 * may be slow or fail: the SDK never waits on a save before sending, and a failed save only costs
 * what persistence would have saved.
 */

/** One unsent message: whose, where, and the frame as it goes out (its `client_id` is the key). */
export interface PersistedSend {
  user_id: string;
  conversation_id: string;
  frame: ChatSendFrame;
  /** Epoch milliseconds, strictly increasing within a run: the resend order. */
  queued_at: number;
}

export interface OutboxStore {
  /** Every persisted send (any user, any conversation, any order; the SDK filters and sorts). */
  load(): Promise<PersistedSend[]>;
  /** Inserts or replaces the send with this `frame.client_id`. */
  save(send: PersistedSend): Promise<void>;
  /** Forgets a send by client_id (acknowledged, or refused for good); unknown ids are no error. */
  delete(clientId: string): Promise<void>;
}

/** Where a device's stream got to: resume after `position` if this is still the same device. */
export interface StoredPosition {
  device_id: string;
  position: StreamPosition;
}

export interface StreamPositionStore {
  load(): Promise<StoredPosition | null>;
  save(position: StoredPosition): Promise<void>;
}

/** The default outbox store: survives closing and reopening a conversation, not a reload. */
export class MemoryOutboxStore implements OutboxStore {
  private readonly sends = new Map<string, PersistedSend>();

  async load(): Promise<PersistedSend[]> {
    return [...this.sends.values()];
  }

  async save(send: PersistedSend): Promise<void> {
    this.sends.set(send.frame.client_id, send);
  }

  async delete(clientId: string): Promise<void> {
    this.sends.delete(clientId);
  }
}

export class MemoryPositionStore implements StreamPositionStore {
  private stored: StoredPosition | null = null;

  async load(): Promise<StoredPosition | null> {
    return this.stored;
  }

  async save(position: StoredPosition): Promise<void> {
    this.stored = position;
  }
}
