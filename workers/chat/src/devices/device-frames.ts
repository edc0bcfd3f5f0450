import type { DeviceServerFrame } from "../../../../lib/contracts/device-stream";
import { sendText } from "../rooms/room-sockets";

/**
 * Server frames of the device stream, assembled from entries serialised once. A replay (up to 2,000
 * stream entries, up to 1,000 mailbox payloads of 96 KiB) is split so no frame passes
 * MAX_FRAME_CHARS unless one entry alone is larger; normally it is one frame.
 */
export const MAX_FRAME_CHARS = 256 * 1024;

/**
 * `{"type":<type>,"entries":[…]}` frames holding `parts` (each one entry's JSON) in order; none when
 * empty. Lazy: a replay read from a cursor is held one frame at a time.
 */
export function* entryFrames(type: "events" | "mailbox", parts: Iterable<string>): Generator<string> {
  const head = `{"type":"${type}","entries":[`;
  let chunk: string[] = [];
  let chars = head.length + 2;
  for (const part of parts) {
    if (chunk.length > 0 && chars + part.length + 1 > MAX_FRAME_CHARS) {
      yield `${head}${chunk.join(",")}]}`;
      chunk = [];
      chars = head.length + 2;
    }
    chunk.push(part);
    chars += part.length + 1;
  }
  if (chunk.length > 0) yield `${head}${chunk.join(",")}]}`;
}

/** Sends every frame to the socket. */
export function sendAll(ws: WebSocket, frames: Iterable<string>): void {
  for (const text of frames) sendText(ws, text);
}

export function sendDeviceFrame(ws: WebSocket, frame: DeviceServerFrame): boolean {
  return sendText(ws, JSON.stringify(frame));
}
