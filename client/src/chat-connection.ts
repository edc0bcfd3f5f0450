import { assertNever } from "../../lib/assert-never";
import { Emitter } from "./emitter";
import { ManagedSocket, type SocketState, type WebSocketConstructor } from "./managed-socket";
import { newClientId, Outbox, SendRejected, type Delivered } from "./outbox";
import type { OutboxStore } from "./stores";
import type { ChatSendFrame, ChatServerFrame, Message } from "./types";
import { TypingTracker } from "./typing-tracker";

type Frame<K extends ChatServerFrame["type"]> = Extract<ChatServerFrame, { type: K }>;

export interface ChatEvents {
  /** A new message, in seq order, each exactly once (replays after a reconnect are not repeated). */
  message: Message;
  message_updated: Message;
  /** Who is typing right now (entries expire 5 s after their last typing frame). */
  typing: string[];
  read: Frame<"read">;
  presence: Frame<"presence">;
  call: Frame<"call">;
  ready: Frame<"ready">;
  error: Frame<"error">;
  state: SocketState;
}

export interface ChatConnectionOptions {
  conversationId: string;
  /** Resume after this seq (e.g. the newest one of the history you loaded); omit for live-only. */
  sinceSeq?: number;
  /** The signed-in user's id, to recognise our own messages in the stream. */
  selfId: () => string | undefined;
  socketUrl: (query: Record<string, string>) => Promise<string>;
  WebSocket: WebSocketConstructor;
  heartbeatMs: number;
  heartbeatTimeoutMs: number;
  connectTimeoutMs: number;
  backoff: { initialMs: number; maxMs: number };
  isFatal: (error: unknown) => boolean;
  /** Persists unsent messages; what an earlier run (or connection) left for this conversation is sent first. */
  outboxStore?: OutboxStore;
}

export type SendInput = Omit<ChatSendFrame, "type" | "client_id"> & { client_id?: string };

const TYPING_SEND_EVERY_MS = 2_500;
const RETRY_TRANSIENT_MS = 1_000;
/** The room closes a removed member's sockets with 4403; 4401 = unknown identity. */
const FINAL_CLOSE_CODES = [4401, 4403] as const;

/**
 * A conversation's live connection: resumes with `since_seq` after every drop, resends the outbox
 * once the room says `ready`, and turns frames into typed events.
 */
export class ChatConnection extends Emitter<ChatEvents> {
  private readonly socket: ManagedSocket;
  private readonly outbox: Outbox;
  private readonly typers = new TypingTracker((userIds) => this.emit("typing", userIds));
  private lastTypingSent = 0;
  private isReady = false;
  /** The highest seq seen; the next connection resumes after it. */
  lastSeq: number | null;

  constructor(private readonly options: ChatConnectionOptions) {
    super();
    this.lastSeq = options.sinceSeq ?? null;
    const userId = options.selfId();
    this.outbox = new Outbox(options.outboxStore && userId ? { store: options.outboxStore, userId, conversationId: options.conversationId } : undefined);
    this.socket = new ManagedSocket({
      url: () => {
        // batch=1: messages stored together arrive in one `messages` frame (far fewer frames under load).
        const query: Record<string, string> = { conversation_id: options.conversationId, batch: "1" };
        if (this.lastSeq !== null) query.since_seq = String(this.lastSeq);
        return options.socketUrl(query);
      },
      WebSocket: options.WebSocket,
      heartbeatMs: options.heartbeatMs,
      heartbeatTimeoutMs: options.heartbeatTimeoutMs,
      connectTimeoutMs: options.connectTimeoutMs,
      backoff: options.backoff,
      finalCloseCodes: FINAL_CLOSE_CODES,
      isFatal: options.isFatal,
      onOpen: () => undefined,
      onFrame: (frame) => this.handle(frame as ChatServerFrame),
      onState: (state) => {
        if (state !== "open") this.isReady = false;
        if (state === "closed") this.outbox.rejectAll(new Error("The chat connection was closed."));
        this.emit("state", state);
      },
    });
    this.socket.start();
    this.restoreOutbox();
  }

  get conversationId(): string {
    return this.options.conversationId;
  }

  get state(): SocketState {
    return this.socket.state;
  }

  get ready(): boolean {
    return this.isReady;
  }

  /** Unacknowledged sends, oldest first. */
  get pending(): ChatSendFrame[] {
    return this.outbox.pending();
  }

  /**
   * Queues a message and sends it when connected; resolves once the room acknowledged it (stored).
   * Across drops it is resent with the same client_id until acknowledged: never lost, never doubled.
   */
  send(input: SendInput): Promise<Delivered> {
    const { client_id, ...rest } = input;
    const frame: ChatSendFrame = { type: "send", client_id: client_id ?? newClientId(), ...rest };
    const delivered = this.outbox.add(frame);
    if (this.isReady) this.socket.send(JSON.stringify(frame));
    return delivered;
  }

  /** Tells the others you are typing (throttled; call it on every keystroke). */
  typing(): void {
    const now = Date.now();
    if (!this.isReady || now - this.lastTypingSent < TYPING_SEND_EVERY_MS) return;
    this.lastTypingSent = now;
    this.socket.send('{"type":"typing"}');
  }

  /** Read receipt over the socket; false when offline (use the REST `markRead` then). */
  markRead(seq: number): boolean {
    return this.isReady && this.socket.send(JSON.stringify({ type: "read", seq }));
  }

  reconnectNow(): void {
    this.socket.reconnectNow();
  }

  close(): void {
    this.socket.stop();
    this.typers.clear();
  }

  private handle(frame: ChatServerFrame): void {
    switch (frame.type) {
      case "message":
        return this.onMessage(frame.message);
      case "messages":
        for (const message of frame.messages) this.onMessage(message);
        return;
      case "ready":
        this.isReady = true;
        if (this.lastSeq === null) this.lastSeq = frame.last_seq;
        this.emit("ready", frame);
        for (const pending of this.outbox.pending()) this.socket.send(JSON.stringify(pending));
        return;
      case "ack":
        this.outbox.delivered(frame.client_id, frame.seq);
        return;
      case "message_updated":
        return this.emit("message_updated", frame.message);
      case "typing":
        return this.typers.typing(frame.user_id);
      case "read":
        return this.emit("read", frame);
      case "presence":
        return this.emit("presence", frame);
      case "call":
        return this.emit("call", frame);
      case "error":
        return this.onError(frame);
      case "pong":
        return;
      default:
        // A type this SDK does not know (a newer server): the throw is caught and ignored by ManagedSocket.
        return assertNever(frame);
    }
  }

  private onMessage(message: Message): void {
    if (message.sender_id === this.options.selfId()) this.outbox.delivered(message.client_id, message.seq);
    if (this.lastSeq !== null && message.seq <= this.lastSeq) return;
    this.lastSeq = message.seq;
    this.typers.stopped(message.sender_id);
    this.emit("message", message);
  }

  /** Sends what the store kept, with the same client_ids (the room stores each once); a `ready` later sends it too. */
  private restoreOutbox(): void {
    this.outbox.restore().then(
      (restored) => {
        if (this.isReady) for (const frame of restored) this.socket.send(JSON.stringify(frame));
      },
      (error: unknown) => console.error("[secureconnect] outbox store failed", error),
    );
  }

  private resend(clientId: string): void {
    const frame = this.outbox.pending().find((pending) => pending.client_id === clientId);
    if (frame && this.isReady) this.socket.send(JSON.stringify(frame));
  }

  private onError(frame: Frame<"error">): void {
    const clientId = frame.client_id;
    if (clientId && (frame.code === "RATE_LIMITED" || frame.code === "INTERNAL_ERROR")) {
      // Transient: the message stays queued and goes out again shortly (or with the next connection).
      setTimeout(() => this.resend(clientId), RETRY_TRANSIENT_MS);
    } else if (clientId) {
      this.outbox.reject(clientId, new SendRejected(frame.code, frame.message, clientId));
    }
    this.emit("error", frame);
  }
}
