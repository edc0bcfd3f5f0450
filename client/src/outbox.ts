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

/**
 * Messages handed to `send` until the server acknowledges them. Each keeps its `client_id`, so
 * resending after a reconnect is safe: the room stores one message per (sender, client_id) and
 * acks a retry with the original seq. Insertion order is resend order.
 */
export class Outbox {
  private readonly entries = new Map<string, Entry>();

  add(frame: ChatSendFrame): Promise<Delivered> {
    return new Promise((resolve, reject) => {
      this.entries.set(frame.client_id, { frame, resolve, reject });
    });
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
    entry.resolve({ client_id: clientId, seq });
    return true;
  }

  reject(clientId: string, error: Error): void {
    const entry = this.entries.get(clientId);
    if (!entry) return;
    this.entries.delete(clientId);
    entry.reject(error);
  }

  /** The connection is closed for good: whatever was not acknowledged fails. */
  rejectAll(error: Error): void {
    for (const clientId of [...this.entries.keys()]) this.reject(clientId, error);
  }
}

/** A client_id that never repeats across devices: UUIDv4 where available. */
export function newClientId(): string {
  const cryptoApi = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  if (cryptoApi?.randomUUID) return cryptoApi.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}-${Math.random().toString(36).slice(2)}`;
}
