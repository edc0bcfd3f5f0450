import { assertNever } from "../../../../lib/assert-never";
import { CHAT_LIMITS } from "../../../../lib/contracts/chat";
import { clientFrameSchema, type ClientFrame } from "../../../../lib/contracts/chat-frames";
import { epochFromConflict, MLS_LIMITS } from "../../../../lib/contracts/mls";
import { AppError } from "../../../../lib/errors";
import { describeError, log } from "../../../../lib/log";
import { parseWellFormedJson } from "../../../../lib/well-formed-text";
import type { MlsRules } from "./mls-rules";
import type { RoomActions } from "./room-actions";
import { sendFrame, type RoomSockets } from "./room-sockets";
import type { SendBatcher } from "./send-batcher";

/** A frame is a send plus JSON framing: anything larger than this cannot be valid. */
const MAX_FRAME_CHARS = CHAT_LIMITS.maxBodyBytes + 16 * 1024;
/** In an `mls` room the largest send is a commit with its GroupInfo. */
const MAX_MLS_FRAME_CHARS = MLS_LIMITS.maxHandshakeBytes + MLS_LIMITS.maxGroupInfoChars + 16 * 1024;
/** Typing indicators are never stored; clients drop one after this long without a repeat. */
export const TYPING_TTL_SECONDS = 5;
/** At most one typing broadcast per user per this interval. */
const TYPING_THROTTLE_MS = 2_000;

/**
 * Handles one client frame. Never throws: a bad frame (not JSON, unknown type, wrong field types,
 * too large, over the rate) gets `{type:"error", code, message}` and the socket stays open.
 */
export class FrameHandler {
  private readonly lastTyping = new Map<string, number>();

  constructor(
    private readonly actions: RoomActions,
    private readonly sockets: RoomSockets,
    private readonly sends: SendBatcher,
    private readonly mls: MlsRules,
  ) {}

  handle(ws: WebSocket, userId: string, data: string | ArrayBuffer, requestId: string): void {
    let clientId: string | undefined;
    try {
      if (!this.sockets.take(ws)) throw new AppError("RATE_LIMITED", "Too many frames; slow down.");
      const frame = parse(data, this.mls.encrypted ? MAX_MLS_FRAME_CHARS : MAX_FRAME_CHARS);
      clientId = frame.type === "send" ? frame.client_id : undefined;
      this.dispatch(ws, userId, frame, requestId);
    } catch (err) {
      this.reportError(ws, err, clientId, requestId);
    }
  }

  private reportError(ws: WebSocket, err: unknown, clientId: string | undefined, requestId: string): void {
    const withId = clientId ? { client_id: clientId } : {};
    if (err instanceof AppError) {
      const epoch = err.code === "CONFLICT" ? epochFromConflict(err.details) : null;
      sendFrame(ws, { type: "error", code: err.code, message: err.message, ...withId, ...(epoch === null ? {} : { epoch }) });
      return;
    }
    log({ event: "unhandled_error", where: "chat.frame", error: describeError(err), request_id: requestId }, "error");
    sendFrame(ws, { type: "error", code: "INTERNAL_ERROR", message: "The frame could not be handled.", ...withId });
  }

  private dispatch(ws: WebSocket, userId: string, frame: ClientFrame, requestId: string): void {
    switch (frame.type) {
      case "send": {
        const { type: _type, ...input } = frame;
        // Acked after the insert (a retried client_id is acked again with the original seq).
        void this.sends.send(userId, input, requestId).then(
          ({ message }) => sendFrame(ws, { type: "ack", client_id: frame.client_id, seq: message.seq }),
          (err: unknown) => this.reportError(ws, err, frame.client_id, requestId),
        );
        return;
      }
      case "typing": {
        this.actions.requireMember(userId);
        this.actions.requireUnblocked();
        const now = Date.now();
        if (now - (this.lastTyping.get(userId) ?? 0) < TYPING_THROTTLE_MS) return;
        this.lastTyping.set(userId, now);
        this.sockets.broadcast(
          { type: "typing", user_id: userId, expires_in: TYPING_TTL_SECONDS },
          { exceptUserId: userId, hiddenFrom: this.actions.hiddenFrom(userId) },
        );
        return;
      }
      case "read":
        this.actions.read(userId, frame.seq);
        return;
      case "ping":
        // Normally answered by the runtime's auto-response; this covers pings with other spacing.
        sendFrame(ws, { type: "pong" });
        return;
      default:
        // Unreachable: `parse` let only clientFrameSchema's types through.
        assertNever(frame);
    }
  }
}

function parse(data: string | ArrayBuffer, maxChars: number): ClientFrame {
  if (typeof data !== "string") throw new AppError("BAD_REQUEST", "Frames are JSON text, not binary.");
  if (data.length > maxChars) throw new AppError("PAYLOAD_TOO_LARGE", `A frame is at most ${maxChars} characters.`);
  // Not JSON is BAD_REQUEST; a lone surrogate in any string is VALIDATION_ERROR (it would be stored as U+FFFD).
  const json = parseWellFormedJson(data, "frame");
  if (!json.ok) {
    const field = json.details?.[0]?.field;
    throw new AppError(json.code, field ? `${json.message} (${field})` : json.message, json.details);
  }
  const parsed = clientFrameSchema.safeParse(json.value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? `${issue.path.join(".")}: ` : "";
    throw new AppError("VALIDATION_ERROR", `Invalid frame. ${where}${issue?.message ?? ""}`.trim());
  }
  if (parsed.data.type === "send" && (parsed.data.body === undefined) === (parsed.data.ciphertext === undefined)) {
    throw new AppError("VALIDATION_ERROR", "Invalid frame. A send carries exactly one of body and ciphertext.");
  }
  return parsed.data;
}
