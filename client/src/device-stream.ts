import { assertNever } from "../../lib/assert-never";
import type { DEVICE_STREAM_LIMITS } from "../../lib/contracts/device-stream";
import { Emitter } from "./emitter";
import { MailboxDeliveries } from "./mailbox-deliveries";
import { ManagedSocket, type SocketState, type WebSocketConstructor } from "./managed-socket";
import type { StreamPositionStore } from "./stores";
import type { DeviceClientFrame, DeviceEvent, DeviceServerFrame, MailboxEntry, StreamEntry, StreamPosition } from "./types";

type Frame<K extends DeviceServerFrame["type"]> = Extract<DeviceServerFrame, { type: K }>;
type Kind = DeviceEvent["kind"];
/** A stream entry whose event is of one kind (`entry.event.kind === K`). */
export type EntryOf<K extends Kind> = Omit<StreamEntry, "event"> & { event: Extract<DeviceEvent, { kind: K }> };
export type MailboxHandler = (entries: MailboxEntry[]) => Promise<void> | void;

export interface DeviceStreamEvents {
  conversation: EntryOf<"conversation">;
  read: EntryOf<"read">;
  membership: EntryOf<"membership">;
  /** A conversation's name or member list changed (a rename; someone else joined, left or changed role). */
  details: EntryOf<"details">;
  call: EntryOf<"call">;
  keys: EntryOf<"keys">;
  /** One of the user's other devices was added (ready for MLS) or removed (signed out, deleted); `sc.e2ee.followDevices` acts on it. */
  devices: EntryOf<"devices">;
  /** Every entry, each once, in position order (after its kind's own event). */
  entry: StreamEntry;
  /** Mailbox entries not handed over before; acknowledge them with `ack(ids)` (or use `autoAck`). */
  mailbox: MailboxEntry[];
  /** The stream could not resume (too old, unknown, another device): reload your lists; events go on from here. */
  reset: { position: StreamPosition };
  hello: Frame<"hello">;
  /** Caught up: what this connection replays has been handed over (after every connect). */
  live: { position: StreamPosition | null };
  error: Frame<"error">;
  state: SocketState;
}

export interface DeviceStreamOptions {
  socketUrl: (query: Record<string, string>) => Promise<string>;
  WebSocket: WebSocketConstructor;
  heartbeatMs: number;
  heartbeatTimeoutMs: number;
  connectTimeoutMs: number;
  backoff: { initialMs: number; maxMs: number };
  isFatal: (error: unknown) => boolean;
  positionStore: StreamPositionStore;
  /** The session's device id if the tokens say it: a stored position of another device is not used. */
  deviceId: () => string | undefined;
}

/** One ack frame's bound, tied to the contract's at compile time (the SDK ships no contract code). */
const MAX_ACK_IDS: (typeof DEVICE_STREAM_LIMITS)["maxAckIds"] = 100;
/** 4401 = unknown identity, 4403 = not this user's device: retrying cannot help. */
const FINAL_CLOSE_CODES = [4401, 4403] as const;

/**
 * The device's one connection for everything outside the open conversation (`/v1/ws/events`):
 * reconnects like a chat socket, resumes after the last handled position (kept in the position
 * store, so also across reloads), hands each entry over once, and turns frames into typed events.
 */
export class DeviceStream extends Emitter<DeviceStreamEvents> {
  private readonly socket: ManagedSocket;
  private readonly deliveries = new MailboxDeliveries();
  private readonly mailboxHandlers = new Set<MailboxHandler>();
  private readonly latestListEntries = new Map<string, StreamEntry>();
  private readonly loaded: Promise<void>;
  private pos: StreamPosition | null = null;
  /** The device whose stream `pos` belongs to (from the store, then from `hello`). */
  private device: string | null = null;
  /** After a resuming `hello`: its position, until the replay up to it was handed over. */
  private replayingTo: StreamPosition | null = null;
  private isLive = false;
  private saving: Promise<void> = Promise.resolve();

  constructor(private readonly options: DeviceStreamOptions) {
    super();
    this.loaded = this.loadPosition();
    this.socket = new ManagedSocket({
      url: async () => {
        await this.loaded;
        return options.socketUrl(this.pos === null ? {} : { since: String(this.pos) });
      },
      WebSocket: options.WebSocket,
      heartbeatMs: options.heartbeatMs,
      heartbeatTimeoutMs: options.heartbeatTimeoutMs,
      connectTimeoutMs: options.connectTimeoutMs,
      backoff: options.backoff,
      finalCloseCodes: FINAL_CLOSE_CODES,
      isFatal: options.isFatal,
      onOpen: () => undefined,
      onFrame: (frame) => this.handle(frame as DeviceServerFrame),
      onState: (state) => {
        if (state !== "open") this.isLive = false;
        this.emit("state", state);
      },
    });
    this.socket.start();
  }

  /** The last position handed over (null before the first connection of a device without a stored one). */
  get position(): StreamPosition | null {
    return this.pos;
  }

  get deviceId(): string | null {
    return this.device;
  }

  get state(): SocketState {
    return this.socket.state;
  }

  /** True once this connection's replay has been handed over (false while down or catching up). */
  get live(): boolean {
    return this.isLive;
  }

  /**
   * The newest list-shaping entry (conversation, read, membership, details) per conversation and kind handed
   * over so far, in position order: a list made after the stream went live (it missed the replay)
   * starts from these. Bounded by the number of conversations.
   */
  listEntries(): StreamEntry[] {
    return [...this.latestListEntries.values()].sort((a, b) => a.pos - b.pos);
  }

  /** Resolves when the stream is live (now, if it is). */
  whenLive(): Promise<void> {
    return this.isLive ? Promise.resolve() : this.once("live").then(() => undefined);
  }

  /** Deletes processed mailbox entries; while offline they come again on connect and are acknowledged then. */
  ack(ids: readonly string[]): void {
    if (ids.length === 0) return;
    this.deliveries.acknowledged(ids);
    this.sendAcks(ids);
  }

  /**
   * Hands every new mailbox batch to `handler` and acknowledges it once the handler resolves (with
   * several handlers, once all have). A handler that throws acknowledges nothing: the entries come
   * again with the next connection. Returns the unsubscribe function.
   */
  autoAck(handler: MailboxHandler): () => void {
    this.mailboxHandlers.add(handler);
    return () => this.mailboxHandlers.delete(handler);
  }

  reconnectNow(): void {
    this.socket.reconnectNow();
  }

  close(): void {
    this.socket.stop();
  }

  private async loadPosition(): Promise<void> {
    try {
      const stored = await this.options.positionStore.load();
      const known = this.options.deviceId();
      if (stored && (known === undefined || known === stored.device_id)) {
        this.pos = stored.position;
        this.device = stored.device_id;
      }
    } catch (error) {
      storeFailed(error);
    }
  }

  private handle(frame: DeviceServerFrame): void {
    switch (frame.type) {
      case "hello":
        return this.onHello(frame);
      case "reset":
        return this.onReset(frame.position);
      case "events":
        return this.onEvents(frame.entries);
      case "mailbox":
        // The server sends the mailbox after the replay: whatever is left of it is done.
        this.goLive();
        return this.onMailbox(frame.entries);
      case "pong":
        return this.goLive();
      case "error":
        return this.emit("error", frame);
      default:
        // A frame type this SDK does not know (a newer server): ManagedSocket catches and ignores the throw.
        return assertNever(frame);
    }
  }

  private onHello(frame: Frame<"hello">): void {
    const resumedOther = this.device !== null && this.device !== frame.device_id;
    this.device = frame.device_id;
    this.isLive = false;
    this.emit("hello", frame);
    // A position of another device (the session moved to a new device) says nothing about this stream.
    if (resumedOther || this.pos === null) return this.onReset(frame.position, resumedOther);
    if (this.pos >= frame.position) return this.goLive(); // a position ahead of the server's gets a `reset` next
    this.replayingTo = frame.position;
  }

  /** `announce` false: the very first connection of this device, with nothing to reload. */
  private onReset(position: StreamPosition, announce = true): void {
    this.pos = position;
    this.savePosition();
    if (announce) this.emit("reset", { position });
    this.goLive();
  }

  private onEvents(entries: StreamEntry[]): void {
    for (const entry of entries) {
      if (this.pos !== null && entry.pos <= this.pos) continue; // seen before this reconnect
      this.pos = entry.pos;
      this.dispatch(entry);
    }
    this.savePosition();
    if (this.replayingTo !== null && this.pos !== null && this.pos >= this.replayingTo) this.goLive();
  }

  private dispatch(entry: StreamEntry): void {
    const { event } = entry;
    if (event.kind === "conversation" || event.kind === "read" || event.kind === "membership" || event.kind === "details") {
      this.latestListEntries.set(`${event.kind}:${event.conversation_id}`, entry);
    }
    switch (event.kind) {
      case "conversation":
        this.emit("conversation", { ...entry, event });
        break;
      case "read":
        this.emit("read", { ...entry, event });
        break;
      case "membership":
        this.emit("membership", { ...entry, event });
        break;
      case "details":
        this.emit("details", { ...entry, event });
        break;
      case "call":
        this.emit("call", { ...entry, event });
        break;
      case "keys":
        this.emit("keys", { ...entry, event });
        break;
      case "devices":
        this.emit("devices", { ...entry, event });
        break;
      default:
        return assertNever(event);
    }
    this.emit("entry", entry);
  }

  private onMailbox(entries: MailboxEntry[]): void {
    const { fresh, reack } = this.deliveries.receive(entries);
    this.sendAcks(reack);
    if (fresh.length === 0) return;
    this.emit("mailbox", fresh);
    const handlers = [...this.mailboxHandlers];
    if (handlers.length === 0) return;
    const ids = fresh.map((entry) => entry.id);
    Promise.all(handlers.map(async (handler) => handler(fresh))).then(
      () => this.ack(ids),
      (error: unknown) => {
        this.deliveries.release(ids);
        console.error("[secureconnect] mailbox handler failed; the entries come again on the next connection", error);
      },
    );
  }

  private sendAcks(ids: readonly string[]): void {
    for (let i = 0; i < ids.length; i += MAX_ACK_IDS) {
      const frame: DeviceClientFrame = { type: "mailbox_ack", ids: ids.slice(i, i + MAX_ACK_IDS) };
      this.socket.send(JSON.stringify(frame)); // not open: the server redelivers them on connect, and they are acked then
    }
  }

  private goLive(): void {
    this.replayingTo = null;
    if (this.isLive) return;
    this.isLive = true;
    this.emit("live", { position: this.pos });
  }

  /** Saves in order (the last save wins), never blocking the stream. */
  private savePosition(): void {
    const device = this.device;
    const position = this.pos;
    if (device === null || position === null) return;
    this.saving = this.saving.then(() => this.options.positionStore.save({ device_id: device, position })).catch(storeFailed);
  }
}

function storeFailed(error: unknown): void {
  console.error("[secureconnect] stream position store failed", error);
}
