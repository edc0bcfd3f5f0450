/**
 * Device-stream test client: the socket straight on a DeviceRoom (as the chat worker forwards it)
 * or through the gateway (as an app opens it), buffering every frame, checked against the contract.
 */
import { env, exports } from "cloudflare:workers";
import { deviceServerFrameSchema, type DeviceEvent, type DeviceServerFrame } from "../../lib/contracts/device-stream";
import { REQUEST_ID_HEADER, VERIFIED_DEVICE_HEADER, VERIFIED_USER_HEADER } from "../../lib/rpc";
import { BASE } from "../helpers/auth";
import { FrameSocket } from "../helpers/frame-socket";

type Frame<T extends DeviceServerFrame["type"]> = Extract<DeviceServerFrame, { type: T }>;

export class DeviceSocket extends FrameSocket<DeviceServerFrame> {
  constructor(ws: WebSocket) {
    super(ws, (json) => deviceServerFrameSchema.parse(json));
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
