import * as z from "zod";
import { FrameBuckets } from "../rooms/frame-rate";
import { sendText } from "../rooms/room-sockets";

const identitySchema = z.object({ userId: z.string().min(1), deviceId: z.string().min(1) });
export type DeviceIdentity = z.infer<typeof identitySchema>;

/**
 * The device's hibernatable sockets (usually one; a second tab of the same session is a second).
 * The verified identity lives in the attachment, so it survives hibernation. Client frames are
 * rate-limited per socket like the conversation socket's (../rooms/frame-rate.ts).
 */
export class DeviceSockets {
  private readonly buckets = new FrameBuckets();

  constructor(private readonly ctx: DurableObjectState) {}

  accept(socket: WebSocket, identity: DeviceIdentity): void {
    this.ctx.acceptWebSocket(socket);
    socket.serializeAttachment(identity);
  }

  identity(socket: WebSocket): DeviceIdentity | null {
    const parsed = identitySchema.safeParse(socket.deserializeAttachment());
    return parsed.success ? parsed.data : null;
  }

  /** Open sockets, optionally not counting one that is closing. */
  open(except?: WebSocket): WebSocket[] {
    return this.ctx.getWebSockets().filter((ws) => ws !== except && ws.readyState === WebSocket.OPEN);
  }

  /** Sends each text to every open socket. */
  broadcast(texts: readonly string[]): void {
    if (texts.length === 0) return;
    for (const ws of this.open()) for (const text of texts) sendText(ws, text);
  }

  /** False when the socket is over its frame rate. */
  take(socket: WebSocket): boolean {
    return this.buckets.take(socket);
  }
}
