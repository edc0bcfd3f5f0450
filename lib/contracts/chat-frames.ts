import * as z from "zod";
import { errorCodeSchema } from "../errors";
import { wsTicketParamSchema } from "./auth";
import { CallStatusSchema, CallTypeSchema } from "./calls";
import { messageContentSchema, messageViewSchema, presenceStatusSchema, readReceiptSchema } from "./chat";
import { seqParamSchema } from "./decimal-param";
import { mlsEpochSchema } from "./mls";

/**
 * WebSocket frames of `/v1/ws/chat` (JSON text). Client frames are parsed with `clientFrameSchema`;
 * anything else gets an `error` frame and the socket stays open. Server frames are built from
 * `ServerFrame` and serialised once per fan-out.
 */

/* ---------- client → server ---------- */

/**
 * The fields of `POST .../messages`, same rules: exactly one of body/ciphertext (checked by the room's
 * frame handler), sizes checked by the room (PAYLOAD_TOO_LARGE).
 */
export const sendFrameSchema = z.object({ type: z.literal("send"), ...messageContentSchema.shape }).strict();

export const clientFrameSchema = z.discriminatedUnion("type", [
  sendFrameSchema,
  z.object({ type: z.literal("typing") }).strict(),
  z.object({ type: z.literal("read"), ...readReceiptSchema.shape }).strict(),
  z.object({ type: z.literal("ping") }).strict(),
]);
export type ClientFrame = z.infer<typeof clientFrameSchema>;
export type SendFrame = z.infer<typeof sendFrameSchema>;

/** The exact ping text answered by the runtime's auto-response without waking the room. */
export const PING_FRAME = '{"type":"ping"}';
export const PONG_FRAME = '{"type":"pong"}';

/* ---------- server → client ---------- */

/** Minimal call summary carried by call events (the calls worker owns the full call). */
export const callSummarySchema = z.object({
  id: z.string().min(1).max(64),
  conversation_id: z.string().min(1).max(64),
  type: CallTypeSchema,
  status: CallStatusSchema,
  initiator_id: z.string().min(1).max(64),
});
export type CallSummary = z.infer<typeof callSummarySchema>;

export const callEventFrameSchema = z.object({
  type: z.literal("call"),
  event: z.enum(["incoming", "answered_elsewhere", "ended", "missed"]),
  call: callSummarySchema,
});
export type CallEventFrame = z.infer<typeof callEventFrameSchema>;

/**
 * A missed call leaves a message in its conversation (history, list, unread), sent in the caller's
 * name: this content type, with a JSON body of this shape. Stored once per call (client_id below).
 */
export const MISSED_CALL_CONTENT_TYPE = "call/missed";
export const missedCallBodySchema = z.object({ call_id: z.string(), call_type: CallTypeSchema, missed_by: z.array(z.string()) });
export type MissedCallBody = z.infer<typeof missedCallBodySchema>;
export const missedCallClientId = (callId: string): string => `call-missed:${callId}`;

export const serverFrameSchema = z.discriminatedUnion("type", [
  /** `epoch`: only in `mls` rooms, the room's current MLS epoch (the next commit must be made for it). */
  z.object({ type: z.literal("ready"), last_seq: z.number().int().nonnegative(), epoch: mlsEpochSchema.optional() }),
  z.object({ type: z.literal("message"), message: messageViewSchema }),
  /**
   * Only on sockets opened with `batch=1`: messages stored in the same turn, in `seq` order, in one
   * frame instead of one `message` frame each (see MESSAGE_BATCH).
   */
  z.object({ type: z.literal("messages"), messages: z.array(messageViewSchema).min(1) }),
  z.object({ type: z.literal("ack"), client_id: z.string(), seq: z.number().int().positive() }),
  z.object({ type: z.literal("message_updated"), message: messageViewSchema }),
  /** Never stored; clients show it for `expires_in` seconds unless a new one arrives. */
  z.object({ type: z.literal("typing"), user_id: z.string(), expires_in: z.number().int().positive() }),
  z.object({ type: z.literal("read"), user_id: z.string(), seq: z.number().int().nonnegative() }),
  z.object({ type: z.literal("presence"), user_id: z.string(), status: presenceStatusSchema }),
  z.object({ type: z.literal("pong") }),
  /** `epoch`: on a CONFLICT for a commit or proposal made for another epoch than the room's, the room's current epoch. */
  z.object({ type: z.literal("error"), code: errorCodeSchema, message: z.string(), client_id: z.string().optional(), epoch: mlsEpochSchema.optional() }),
  callEventFrameSchema,
]);
export type ServerFrame = z.infer<typeof serverFrameSchema>;

/**
 * Opt-in batching of stored messages (`/v1/ws/chat?batch=1`), like Ably's message bundling: under load
 * the room stores many messages per turn, and one frame per socket for all of them costs far less
 * than one frame per message. A batch frame stays below this many characters; more messages are split
 * across frames.
 */
export const MESSAGE_BATCH = { queryValue: "1", maxFrameChars: 256 * 1024 } as const;
/** The `batch` query parameter of `/v1/ws/chat`: "1" asks for `messages` frames, "0" (the default) does not. */
export const batchQuerySchema = z.enum(["0", MESSAGE_BATCH.queryValue]);

/** The query of `GET /v1/ws/chat` at the gateway; the chat worker checks conversation_id, since_seq and batch again. */
export const chatSocketQuerySchema = z.object({
  conversation_id: z.string().min(1).max(64),
  ticket: wsTicketParamSchema.optional(),
  since_seq: seqParamSchema.optional(),
  batch: batchQuerySchema.optional().meta({
    description: '1: messages stored in the same turn arrive together in one `{type:"messages", messages}` frame (default 0: one `message` frame each)',
  }),
});

/** Close codes the room uses (4000–4999 are application codes). */
export const CLOSE_CODES = {
  /** The user was removed from the conversation (or left). */
  removed: 4403,
  /** The socket's identity attachment is missing or unreadable. */
  unauthenticated: 4401,
} as const;
