import { deviceClientFrameSchema, type DeviceClientFrame } from "../../../../lib/contracts/device-stream";
import { assertNever } from "../../../../lib/assert-never";
import { AppError } from "../../../../lib/errors";
import { describeError, log } from "../../../../lib/log";
import { parseWellFormedJson } from "../../../../lib/well-formed-text";
import { sendDeviceFrame } from "./device-frames";
import type { DeviceSockets } from "./device-sockets";
import type { MailboxStore } from "./mailbox-store";

/** The largest valid client frame is a full `mailbox_ack` (100 ids of 64 characters); anything past this cannot be one. */
export const MAX_CLIENT_FRAME_CHARS = 16 * 1024;

/**
 * One client frame of the device stream. Never throws: a bad frame (binary, too large, not JSON,
 * malformed Unicode, unknown type or fields, over the rate) gets `{type:"error", code, message}`
 * and the socket stays open.
 */
export function handleDeviceFrame(ws: WebSocket, data: string | ArrayBuffer, sockets: DeviceSockets, mailbox: MailboxStore): void {
  try {
    if (!sockets.take(ws)) throw new AppError("RATE_LIMITED", "Too many frames; slow down.");
    const frame = parse(data);
    switch (frame.type) {
      case "mailbox_ack":
        mailbox.ack(frame.ids);
        return;
      case "ping":
        // Normally answered by the runtime's auto-response; this covers pings with other spacing.
        sendDeviceFrame(ws, { type: "pong" });
        return;
      default:
        assertNever(frame);
    }
  } catch (err) {
    if (err instanceof AppError) {
      sendDeviceFrame(ws, { type: "error", code: err.code, message: err.message });
      return;
    }
    log({ event: "unhandled_error", where: "chat.device_frame", error: describeError(err) }, "error");
    sendDeviceFrame(ws, { type: "error", code: "INTERNAL_ERROR", message: "The frame could not be handled." });
  }
}

function parse(data: string | ArrayBuffer): DeviceClientFrame {
  if (typeof data !== "string") throw new AppError("BAD_REQUEST", "Frames are JSON text, not binary.");
  if (data.length > MAX_CLIENT_FRAME_CHARS) throw new AppError("PAYLOAD_TOO_LARGE", `A frame is at most ${MAX_CLIENT_FRAME_CHARS} characters.`);
  const json = parseWellFormedJson(data, "frame");
  if (!json.ok) throw new AppError(json.code, json.message, json.details);
  const parsed = deviceClientFrameSchema.safeParse(json.value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? `${issue.path.join(".")}: ` : "";
    throw new AppError("VALIDATION_ERROR", `Invalid frame. ${where}${issue?.message ?? ""}`.trim());
  }
  return parsed.data;
}
