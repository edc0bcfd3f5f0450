import * as z from "zod";
import { errorCodeSchema } from "../errors";
import { wsTicketParamSchema } from "./auth";
import { CALL_LIMITS, CallStatusSchema, callViewSchema } from "./calls";

/**
 * Frames of `/v1/ws/signaling` (JSON text). Client frames are validated with these schemas in the
 * CallRoom; a frame that does not parse gets an `error` frame and the socket stays open.
 */

/** The query of `GET /v1/ws/signaling` at the gateway; the calls worker checks call_id again. */
export const signalingSocketQuerySchema = z.object({ call_id: z.string().min(1).max(64), ticket: wsTicketParamSchema.optional() });

/** Whole frames above this many characters are refused before parsing. */
export const MAX_SIGNALING_FRAME_CHARS = 24 * 1024;

const userIdSchema = z.string().min(1).max(64);

export const sdpPayloadSchema = z.object({ type: z.enum(["offer", "answer"]).optional(), sdp: z.string().min(1).max(CALL_LIMITS.maxSdpChars) }).strict();

export const icePayloadSchema = z
  .object({
    candidate: z.string().max(CALL_LIMITS.maxCandidateChars),
    sdpMid: z.string().max(32).nullable().optional(),
    sdpMLineIndex: z.number().int().min(0).max(255).nullable().optional(),
    usernameFragment: z.string().max(256).nullable().optional(),
  })
  .strict();

/** A published track others can pull: by the publisher's SFU session id and this name. */
export const publishedTrackSchema = z.object({ track_name: z.string().min(1).max(128), kind: z.enum(["audio", "video"]) }).strict();
export type PublishedTrack = z.infer<typeof publishedTrackSchema>;

/** Muted is what the participant says; a muted track may also be closed or paused at the SFU. */
const muteFields = { audio_muted: z.boolean(), video_muted: z.boolean() };

/* ---------- client → server ---------- */

export const signalingClientFrameSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("offer"), to_user_id: userIdSchema, payload: sdpPayloadSchema }).strict(),
  z.object({ type: z.literal("answer"), to_user_id: userIdSchema, payload: sdpPayloadSchema }).strict(),
  z.object({ type: z.literal("ice_candidate"), to_user_id: userIdSchema, payload: icePayloadSchema }).strict(),
  z.object({ type: z.literal("ping") }).strict(),
  /** The sender's microphone/camera mute state; the room tells the other participants. */
  z.object({ type: z.literal("mute"), ...muteFields }).strict(),
]);
export type SignalingClientFrame = z.infer<typeof signalingClientFrameSchema>;
export type RelayFrame = Extract<SignalingClientFrame, { to_user_id: string }>;

/** The exact ping text the runtime answers without waking the room. */
export const SIGNALING_PING = '{"type":"ping"}';
export const SIGNALING_PONG = '{"type":"pong"}';

/* ---------- server → client ---------- */

export const signalingServerFrameSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("offer"), from_user_id: userIdSchema, payload: sdpPayloadSchema }),
  z.object({ type: z.literal("answer"), from_user_id: userIdSchema, payload: sdpPayloadSchema }),
  z.object({ type: z.literal("ice_candidate"), from_user_id: userIdSchema, payload: icePayloadSchema }),
  z.object({ type: z.literal("participant_joined"), user_id: userIdSchema }),
  z.object({ type: z.literal("participant_left"), user_id: userIdSchema }),
  /** Sent on connect and on every status change; `call` is the full view. */
  z.object({ type: z.literal("call_state"), status: CallStatusSchema, call: callViewSchema }),
  /** The same user took the call on another device: this socket is closed right after. */
  z.object({ type: z.literal("answered_elsewhere"), call_id: z.string() }),
  /**
   * Group calls: tracks a participant published through the SFU proxy (also sent on connect, one
   * frame per publishing session, so a late joiner learns every track already there).
   */
  z.object({ type: z.literal("tracks"), user_id: userIdSchema, session_id: z.string(), tracks: z.array(publishedTrackSchema) }),
  /** Tracks closed by their publisher, or all of a participant's tracks when they leave. */
  z.object({ type: z.literal("tracks_closed"), user_id: userIdSchema, session_id: z.string(), track_names: z.array(z.string()) }),
  /** A participant's mute state (also sent on connect for everyone who set one). */
  z.object({ type: z.literal("mute"), user_id: userIdSchema, ...muteFields }),
  z.object({ type: z.literal("pong") }),
  z.object({ type: z.literal("error"), code: errorCodeSchema, message: z.string() }),
]);
export type SignalingServerFrame = z.infer<typeof signalingServerFrameSchema>;

/** Close codes of the signaling room (4000–4999 are application codes). */
export const SIGNALING_CLOSE = {
  /** The call ended. */
  ended: 4000,
  /** The user joined the call on another device. */
  answeredElsewhere: 4001,
  /** The user left the call (or was swept as stale). */
  left: 4002,
  /** The socket's identity attachment is missing or unreadable. */
  unauthenticated: 4401,
} as const;
