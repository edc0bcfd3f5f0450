import type { DeviceServerFrame, WebSocketLike } from "../../src/index";

/**
 * A WebSocket the test plays the server of, for SDK logic that needs no network (the real server
 * is tested through the real stack): every instance is recorded, opens on the next tick, and
 * `deliver` plays a server frame typed by the contract.
 */
export class FakeSocket implements WebSocketLike {
  static readonly opened: FakeSocket[] = [];
  readyState = 0;
  readonly sent: string[] = [];
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;

  constructor(readonly url: string) {
    FakeSocket.opened.push(this);
    setTimeout(() => {
      this.readyState = 1;
      this.onopen?.({});
    }, 0);
  }

  send(data: string): void {
    this.sent.push(data);
  }

  close(): void {
    this.readyState = 3;
  }

  deliver(frame: DeviceServerFrame): void {
    this.deliverAny(frame);
  }

  /** Any frame: a chat or call frame, or one no contract knows (a newer server's). */
  deliverAny(frame: object): void {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }

  /** The server side drops the connection. */
  drop(code = 1006): void {
    this.readyState = 3;
    this.onclose?.({ code, reason: "" });
  }

  /** Frames the client sent, parsed. */
  frames(): unknown[] {
    return this.sent.map((text) => JSON.parse(text) as unknown);
  }

  /** The newest socket once it is open. */
  static async next(count: number): Promise<FakeSocket> {
    for (let i = 0; i < 200; i++) {
      const socket = FakeSocket.opened[count - 1];
      if (socket?.readyState === 1) return socket;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    throw new Error(`fake socket #${count} never opened`);
  }
}

export const fastTiming = { heartbeatMs: 60_000, heartbeatTimeoutMs: 60_000, connectTimeoutMs: 5_000, backoff: { initialMs: 5, maxMs: 5 } };
