import * as z from "zod";
import {
  MAX_SIGNALING_FRAME_CHARS,
  signalingClientFrameSchema,
  type SignalingClientFrame,
  type SignalingServerFrame,
} from "../../../../lib/contracts/call-frames";
import type { ErrorCode } from "../../../../lib/errors";
import { parseWellFormedJson } from "../../../../lib/well-formed-text";

/** Who a socket belongs to, kept across hibernation. */
const attachmentSchema = z.object({ userId: z.string().min(1), connectedMs: z.number(), seenMs: z.number() });
export type SocketIdentity = z.infer<typeof attachmentSchema>;

export function identityOf(ws: WebSocket): SocketIdentity | null {
  const parsed = attachmentSchema.safeParse(ws.deserializeAttachment());
  return parsed.success ? parsed.data : null;
}

export function send(ws: WebSocket, frame: SignalingServerFrame): void {
  try {
    ws.send(JSON.stringify(frame));
  } catch {
    // The socket is closing; its close handler does the bookkeeping.
  }
}

export function sendError(ws: WebSocket, code: ErrorCode, message: string): void {
  send(ws, { type: "error", code, message });
}

/** Every socket of the room, or of one user (sockets are tagged with their user id). */
export function socketsOf(state: DurableObjectState, userId?: string): WebSocket[] {
  return userId === undefined ? state.getWebSockets() : state.getWebSockets(userId);
}

export function broadcast(state: DurableObjectState, frame: SignalingServerFrame, exceptUserId?: string): void {
  for (const ws of socketsOf(state)) {
    if (exceptUserId !== undefined && identityOf(ws)?.userId === exceptUserId) continue;
    send(ws, frame);
  }
}

export function closeSockets(sockets: WebSocket[], code: number, reason: string): void {
  for (const ws of sockets) {
    try {
      ws.close(code, reason);
    } catch {
      // Already closed.
    }
  }
}

/** Last sign of life of a socket: its last message, or the runtime's last auto-answered ping. */
export function lastActivityMs(state: DurableObjectState, ws: WebSocket, identity: SocketIdentity): number {
  const ping = state.getWebSocketAutoResponseTimestamp(ws);
  return Math.max(identity.seenMs, ping ? ping.getTime() : 0);
}

export type ParsedFrame = { ok: true; frame: SignalingClientFrame } | { ok: false; code: ErrorCode; message: string };

/** Size first (before JSON.parse touches it), then JSON with well-formed strings (no lone surrogates), then the frame schema. */
export function parseFrame(message: string | ArrayBuffer): ParsedFrame {
  if (typeof message !== "string") return { ok: false, code: "BAD_REQUEST", message: "Frames are JSON text." };
  if (message.length > MAX_SIGNALING_FRAME_CHARS)
    return { ok: false, code: "PAYLOAD_TOO_LARGE", message: `A frame is at most ${MAX_SIGNALING_FRAME_CHARS} characters.` };
  const json = parseWellFormedJson(message, "frame");
  if (!json.ok) {
    const field = json.details?.[0]?.field;
    return { ok: false, code: json.code, message: field ? `${json.message} (${field})` : json.message };
  }
  const parsed = signalingClientFrameSchema.safeParse(json.value);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const where = first && first.path.length > 0 ? ` (${first.path.map(String).join(".")})` : "";
    return { ok: false, code: "VALIDATION_ERROR", message: `The frame is not valid${where}.` };
  }
  return { ok: true, frame: parsed.data };
}
