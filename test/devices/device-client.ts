/**
 * Device-stream test client: the socket straight on a DeviceRoom (as the chat worker forwards it)
 * or through the gateway (as an app opens it), buffering every frame, checked against the contract.
 */
import { env, exports } from "cloudflare:workers";
import { deviceServerFrameSchema, type DeviceEvent, type DeviceServerFrame } from "../../lib/contracts/device-stream";
import { REQUEST_ID_HEADER, VERIFIED_DEVICE_HEADER, VERIFIED_USER_HEADER } from "../../lib/rpc";
import { BASE } from "../helpers/auth";

type Frame<T extends DeviceServerFrame["type"]> = Extract<DeviceServerFrame, { type: T }>;

export class DeviceSocket {
  readonly frames: DeviceServerFrame[] = [];
  private waiters: { match: (f: DeviceServerFrame) => boolean; resolve: (f: DeviceServerFrame) => void }[] = [];
  closeCode: number | null = null;
  private closeWaiters: ((code: number) => void)[] = [];

  constructor(readonly ws: WebSocket) {
    ws.addEventListener("message", (event) => {
      const frame = deviceServerFrameSchema.parse(JSON.parse(String(event.data)));
      const waiter = this.waiters.find((w) => w.match(frame));
      if (waiter) {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        waiter.resolve(frame);
      } else this.frames.push(frame);
    });
    ws.addEventListener("close", (event) => {
      this.closeCode = event.code;
      for (const w of this.closeWaiters) w(event.code);
    });
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === "string" || frame instanceof ArrayBuffer ? frame : JSON.stringify(frame));
  }

  /** The first frame of this type (already received or the next one). */
  next<T extends DeviceServerFrame["type"]>(type: T): Promise<Frame<T>> {
    const test = (f: DeviceServerFrame): f is Frame<T> => f.type === type;
    const index = this.frames.findIndex(test);
    if (index >= 0) return Promise.resolve(this.frames.splice(index, 1)[0] as Frame<T>);
    return new Promise((resolve) => this.waiters.push({ match: test, resolve: (f) => resolve(f as Frame<T>) }));
  }

  /**
   * Sends a ping the room itself answers (not the runtime's auto-response: other spacing) and waits
   * for its pong: every frame sent before it has been handled, every frame sent back has arrived.
   */
  async settle(): Promise<void> {
    this.send('{ "type": "ping" }');
    await this.next("pong");
  }

  /** Types of the frames received and not consumed yet. */
  pending(): string[] {
    return this.frames.map((f) => f.type);
  }

  async end(): Promise<void> {
    if (this.closeCode === null) this.ws.close(1000, "done");
    if (this.closeCode !== null) return;
    await new Promise<number>((resolve) => this.closeWaiters.push(resolve));
  }
}

export const deviceRoom = (deviceId: string) => env.DEVICE_ROOM.get(env.DEVICE_ROOM.idFromName(deviceId));

/** A fresh device id in the shape the auth worker hands out. */
export const newDeviceId = (): string => crypto.randomUUID();

/** Opens the socket on the DeviceRoom itself, with the headers the chat worker sets. */
export async function openRoomSocket(userId: string, deviceId: string, since?: number | string): Promise<Response> {
  const url = new URL("https://device/connect");
  if (since !== undefined) url.searchParams.set("since", String(since));
  const headers = { upgrade: "websocket", [VERIFIED_USER_HEADER]: userId, [VERIFIED_DEVICE_HEADER]: deviceId, [REQUEST_ID_HEADER]: "test" };
  return deviceRoom(deviceId).fetch(new Request(url, { headers }));
}

/** Accepts an upgrade answer and waits for `hello`. */
export async function accepted(res: Response): Promise<{ socket: DeviceSocket; hello: Frame<"hello"> }> {
  const ws = res.webSocket;
  if (res.status !== 101 || !ws) throw new Error(`upgrade answered ${res.status}: ${await res.text()}`);
  ws.accept();
  const socket = new DeviceSocket(ws);
  return { socket, hello: await socket.next("hello") };
}

/** `GET /v1/ws/events` through the gateway, with a ticket (default) or a bearer header. */
export async function upgradeEvents(auth: { bearer: string } | { ticket: string }, query: Record<string, string> = {}): Promise<Response> {
  const params = new URLSearchParams(query);
  const headers: Record<string, string> = { Upgrade: "websocket" };
  if ("bearer" in auth) headers.Authorization = `Bearer ${auth.bearer}`;
  else params.set("ticket", auth.ticket);
  return exports.default.fetch(`${BASE}/v1/ws/events?${params.toString()}`, { headers });
}

/** A conversation change as a room would publish it. */
export function conversationEvent(conversationId: string, lastSeq: number): DeviceEvent {
  return {
    kind: "conversation",
    conversation_id: conversationId,
    change: "message",
    last_seq: lastSeq,
    last_read_seq: 0,
    last_message: {
      seq: lastSeq,
      sender_id: "u-sender",
      content_type: "text/plain",
      body: `message ${lastSeq}`,
      ciphertext: null,
      truncated: false,
      deleted: false,
      created_at: new Date().toISOString(),
    },
  };
}

export const keysEvent = (remaining: number): DeviceEvent => ({ kind: "keys", signal: "prekeys_low", remaining });
