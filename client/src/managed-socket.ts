import { backoffDelay, withTimeout, type BackoffOptions } from "./timing";

/** Handler types compared bivariantly, so the DOM's and the `ws` package's sockets both fit. */
type Handler<E> = { bivarianceHack(event: E): void }["bivarianceHack"];

/** The part of the WebSocket API the client uses: the browser's, React Native's and `ws` all have it. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: Handler<unknown> | null;
  onmessage: Handler<{ data: unknown }> | null;
  onclose: Handler<{ code: number; reason: string }> | null;
  onerror: Handler<unknown> | null;
}
export type WebSocketConstructor = new (url: string) => WebSocketLike;

export type SocketState = "connecting" | "open" | "reconnecting" | "closed";

export interface ManagedSocketOptions {
  /** Builds the URL for the next attempt (a fresh single-use ticket each time). */
  url: () => Promise<string>;
  WebSocket: WebSocketConstructor;
  /** Send `{"type":"ping"}` this often; a socket silent for `heartbeatTimeoutMs` after a ping is dead. */
  heartbeatMs: number;
  heartbeatTimeoutMs: number;
  /** An attempt that has not opened after this long is abandoned and retried. */
  connectTimeoutMs: number;
  backoff: BackoffOptions;
  onOpen: () => void;
  onFrame: (frame: unknown) => void;
  onState: (state: SocketState, detail: { code?: number; reason?: string; error?: unknown }) => void;
  /** Close codes after which retrying is pointless (removed from the conversation, call ended). */
  finalCloseCodes: readonly number[];
  /** Errors from `url()` after which retrying is pointless (e.g. signed out). */
  isFatal: (error: unknown) => boolean;
}

const PING = '{"type":"ping"}';

/**
 * One logical connection over a series of WebSockets: reconnects with backoff after drops, detects
 * dead sockets with a heartbeat, and can be told to retry at once (e.g. when the device is back online).
 */
export class ManagedSocket {
  private ws: WebSocketLike | null = null;
  private attempt = 0;
  private stopped = false;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private heartbeatTimer: ReturnType<typeof setInterval> | null = null;
  private deadline: ReturnType<typeof setTimeout> | null = null;
  state: SocketState = "connecting";

  constructor(private readonly options: ManagedSocketOptions) {}

  start(): void {
    this.stopped = false;
    this.watchNetwork(true);
    void this.connect();
  }

  /** True when the text went out on an open socket. */
  send(text: string): boolean {
    if (this.state !== "open" || !this.ws || this.ws.readyState !== 1) return false;
    this.ws.send(text);
    return true;
  }

  /** Drops the current socket (if any) and connects again now, skipping the backoff wait. */
  reconnectNow(): void {
    if (this.stopped) return;
    this.attempt = 0;
    this.drop(undefined, "reconnect requested", false);
    this.setState("reconnecting", {});
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    void this.connect();
  }

  /** Treats the current socket as failed (the platform reported going offline): drop it and retry with backoff. */
  kill(): void {
    this.drop(4000, "killed", true);
  }

  stop(): void {
    this.stopped = true;
    this.watchNetwork(false);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.detach(1000, "closed by client");
    this.setState("closed", { code: 1000 });
  }

  private async connect(): Promise<void> {
    if (this.stopped || this.ws) return;
    let url: string;
    try {
      // The ticket request can hang on a dead network like the socket can: it gets the same timeout.
      url = await withTimeout(this.options.url(), this.options.connectTimeoutMs);
    } catch (error) {
      if (this.options.isFatal(error)) return this.finish({ error });
      return this.scheduleRetry({ error });
    }
    if (this.stopped || this.ws) return;
    const ws = new this.options.WebSocket(url);
    this.ws = ws;
    // A socket stuck connecting (no network, dead route) counts as a failed attempt.
    const connectTimer = setTimeout(() => {
      if (this.ws === ws && this.state !== "open") this.drop(4000, "connect timeout", true);
    }, this.options.connectTimeoutMs);
    ws.onopen = () => {
      clearTimeout(connectTimer);
      if (this.ws !== ws) return;
      this.attempt = 0;
      this.setState("open", {});
      this.startHeartbeat();
      this.options.onOpen();
    };
    ws.onmessage = (event) => {
      if (this.ws !== ws) return;
      this.alive();
      if (typeof event.data !== "string") return;
      try {
        this.options.onFrame(JSON.parse(event.data));
      } catch {
        // Not JSON: not one of our frames; ignore it.
      }
    };
    ws.onerror = () => undefined; // the close event that follows carries what matters
    ws.onclose = (event) => {
      clearTimeout(connectTimer);
      if (this.ws !== ws) return;
      this.ws = null;
      this.stopHeartbeat();
      if (this.options.finalCloseCodes.includes(event.code)) return this.finish({ code: event.code, reason: event.reason });
      this.scheduleRetry({ code: event.code, reason: event.reason });
    };
  }

  private drop(code: number | undefined, reason: string, retry: boolean): void {
    if (!this.ws) return;
    this.detach(code, reason);
    if (retry) this.scheduleRetry({ reason });
  }

  private detach(code: number | undefined, reason: string): void {
    const ws = this.ws;
    this.ws = null;
    this.stopHeartbeat();
    if (!ws) return;
    ws.onopen = ws.onmessage = ws.onclose = null;
    ws.onerror = () => undefined;
    try {
      ws.close(code ?? 1000, reason);
    } catch {
      // Already closing.
    }
  }

  private scheduleRetry(detail: { code?: number; reason?: string; error?: unknown }): void {
    if (this.stopped) return;
    this.setState("reconnecting", detail);
    const delay = backoffDelay(this.attempt, this.options.backoff);
    this.attempt += 1;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.connect();
    }, delay);
  }

  /**
   * Where the platform reports connectivity (browsers): going offline drops the socket at once
   * (a dead TCP connection may otherwise look open for a long time), coming back reconnects at once.
   */
  private watchNetwork(on: boolean): void {
    const target = globalThis as {
      addEventListener?: (type: string, listener: () => void) => void;
      removeEventListener?: (type: string, listener: () => void) => void;
    };
    if (!target.addEventListener || !target.removeEventListener) return;
    if (on) {
      target.addEventListener("offline", this.onOffline);
      target.addEventListener("online", this.onOnline);
    } else {
      target.removeEventListener("offline", this.onOffline);
      target.removeEventListener("online", this.onOnline);
    }
  }

  private readonly onOffline = (): void => this.kill();
  private readonly onOnline = (): void => this.reconnectNow();

  private finish(detail: { code?: number; reason?: string; error?: unknown }): void {
    this.stopped = true;
    this.watchNetwork(false);
    this.setState("closed", detail);
  }

  private setState(state: SocketState, detail: { code?: number; reason?: string; error?: unknown }): void {
    this.state = state;
    this.options.onState(state, detail);
  }

  private startHeartbeat(): void {
    this.stopHeartbeat();
    this.heartbeatTimer = setInterval(() => {
      if (!this.send(PING) || this.deadline) return;
      this.deadline = setTimeout(() => this.drop(4000, "heartbeat timeout", true), this.options.heartbeatTimeoutMs);
    }, this.options.heartbeatMs);
  }

  private alive(): void {
    if (this.deadline) clearTimeout(this.deadline);
    this.deadline = null;
  }

  private stopHeartbeat(): void {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = null;
    this.alive();
  }
}
