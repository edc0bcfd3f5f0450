import * as z from "zod";
import { decimalIntegerParam } from "./decimal-param";

/**
 * Calls: HTTP bodies and views of `/v1/calls/*`, the calls worker's RPC inputs, and the
 * Cloudflare Realtime SFU request bodies the gateway proxies. Limits are part of the contract
 * (documented in workers/calls/README.md).
 */
export const CALL_LIMITS = {
  ringTimeoutDefaultSeconds: 45,
  ringTimeoutMinSeconds: 5,
  ringTimeoutMaxSeconds: 120,
  historyDefaultLimit: 20,
  historyMaxLimit: 100,
  /** One SDP (offer/answer) relayed between two peers, in characters; real 1:1 SDPs are 2–8 KiB. */
  maxSdpChars: 16 * 1024,
  /** One SDP sent to the SFU: a session can carry many tracks (each m-section with simulcast ~1–2 KiB). */
  maxSfuSdpChars: 64 * 1024,
  /** One ICE candidate line. */
  maxCandidateChars: 1024,
  /** Tracks in one SFU tracks/new or tracks/close call (Cloudflare's own cap is 64). */
  maxTracksPerRequest: 64,
} as const;

// Tuples (not zod `.options`, which widens to string[]) so the tables' Drizzle enum columns keep literal types.
export const CALL_TYPES = ["audio", "video"] as const;
export const CALL_STATUSES = ["ringing", "active", "ended"] as const;
export const PARTICIPANT_OUTCOMES = ["joined", "declined", "missed", "pending"] as const;
export const CallTypeSchema = z.enum(CALL_TYPES);
export const CallStatusSchema = z.enum(CALL_STATUSES);
export const ParticipantOutcomeSchema = z.enum(PARTICIPANT_OUTCOMES);
export type CallType = z.infer<typeof CallTypeSchema>;
export type CallStatus = z.infer<typeof CallStatusSchema>;
export type ParticipantOutcome = z.infer<typeof ParticipantOutcomeSchema>;

export const callIdSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, "an opaque id");

/* ---------- views ---------- */

export const callParticipantViewSchema = z
  .object({
    user_id: z.string(),
    joined_at: z.string().nullable(),
    left_at: z.string().nullable(),
    /** `joined`, `declined`, `missed`, or `pending` while it still rings. */
    outcome: ParticipantOutcomeSchema,
  })
  .meta({ id: "CallParticipant" });

export const callViewSchema = z
  .object({
    id: z.string(),
    conversation_id: z.string(),
    type: CallTypeSchema,
    status: CallStatusSchema,
    initiator_id: z.string(),
    participants: z.array(callParticipantViewSchema),
    created_at: z.string(),
    started_at: z.string().nullable(),
    ended_at: z.string().nullable(),
    duration_seconds: z.number().int().nonnegative().nullable(),
    /** `completed`, `declined`, `cancelled`, `no_answer`, `ended_by_initiator`, `ended`. */
    end_reason: z.string().nullable(),
  })
  .meta({ id: "Call" });
export type CallView = z.infer<typeof callViewSchema>;

export const callHistoryItemSchema = callViewSchema.extend({ missed: z.boolean() }).meta({ id: "CallHistoryItem" });
export type CallHistoryItemView = z.infer<typeof callHistoryItemSchema>;

export const iceServerSchema = z
  .object({
    urls: z.union([z.string(), z.array(z.string())]),
    username: z.string().optional(),
    credential: z.string().optional(),
  })
  .meta({ id: "IceServer" });
export type IceServer = z.infer<typeof iceServerSchema>;

export const iceServersResponseSchema = z.object({ ice_servers: z.array(iceServerSchema), expires_at: z.string() });
export type IceServersResponse = z.infer<typeof iceServersResponseSchema>;

/** Present on join/initiate answers when group calls run on RealtimeKit: hand `auth_token` to the SDK. */
export const realtimeKitJoinSchema = z.object({ meeting_id: z.string(), auth_token: z.string() }).meta({ id: "RealtimeKitJoin" });
export type RealtimeKitJoin = z.infer<typeof realtimeKitJoinSchema>;

export const callJoinResponseSchema = z.object({
  call: callViewSchema,
  ice_servers: z.array(iceServerSchema),
  realtimekit: realtimeKitJoinSchema.optional(),
});
export type CallJoinResponse = z.infer<typeof callJoinResponseSchema>;
export const callResponseSchema = z.object({ call: callViewSchema });
export const callListResponseSchema = z.object({ calls: z.array(callHistoryItemSchema), has_more: z.boolean() });

/* ---------- HTTP inputs (also the RPC inputs, plus the ids) ---------- */

export const initiateCallBodySchema = z
  .object({
    conversation_id: z.string().min(1).max(64),
    type: CallTypeSchema,
    ring_timeout_seconds: z.number().int().min(CALL_LIMITS.ringTimeoutMinSeconds).max(CALL_LIMITS.ringTimeoutMaxSeconds).optional(),
  })
  .strict();
export type InitiateCallBody = z.infer<typeof initiateCallBodySchema>;

export const callHistoryQuerySchema = z.object({
  conversation_id: z.string().min(1).max(64),
  limit: decimalIntegerParam({ min: 1, max: CALL_LIMITS.historyMaxLimit }).optional(),
  /** `created_at` of the last call of the previous page. */
  before: z.iso.datetime().optional(),
});
export type CallHistoryQuery = z.infer<typeof callHistoryQuerySchema>;

/* ---------- Cloudflare Realtime SFU bodies (the subset the proxy forwards) ---------- */

export const sessionDescriptionSchema = z.object({ type: z.enum(["offer", "answer"]), sdp: z.string().min(1).max(CALL_LIMITS.maxSfuSdpChars) }).strict();

const trackNameSchema = z.string().min(1).max(128);
const midSchema = z.string().min(1).max(32);

export const sfuTrackSchema = z
  .object({
    location: z.enum(["local", "remote"]),
    mid: midSchema.optional(),
    /** For `remote` tracks: the publisher's SFU session; it must belong to a participant of this call. */
    sessionId: z.string().min(1).max(128).optional(),
    trackName: trackNameSchema,
    bidirectionalMediaStream: z.boolean().optional(),
    kind: z.enum(["audio", "video"]).optional(),
    simulcast: z
      .object({
        preferredRid: z.string().max(16).optional(),
        priorityOrdering: z.enum(["none", "asciibetical"]).optional(),
        ridNotAvailable: z.enum(["none", "asciibetical"]).optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .refine((t) => (t.location === "remote") === (t.sessionId !== undefined), {
    message: "sessionId is required for remote tracks and not allowed for local ones",
    path: ["sessionId"],
  });

export const sfuNewSessionBodySchema = z.object({ sessionDescription: sessionDescriptionSchema.optional() }).strict();
export const sfuNewTracksBodySchema = z
  .object({
    sessionDescription: sessionDescriptionSchema.optional(),
    tracks: z.array(sfuTrackSchema).min(1).max(CALL_LIMITS.maxTracksPerRequest),
  })
  .strict();
export const sfuRenegotiateBodySchema = z.object({ sessionDescription: sessionDescriptionSchema }).strict();
export const sfuCloseTracksBodySchema = z
  .object({
    sessionDescription: sessionDescriptionSchema.optional(),
    tracks: z
      .array(z.object({ mid: midSchema }).strict())
      .min(1)
      .max(CALL_LIMITS.maxTracksPerRequest),
    force: z.boolean(),
  })
  .strict();
export type SfuNewSessionBody = z.infer<typeof sfuNewSessionBodySchema>;
export type SfuNewTracksBody = z.infer<typeof sfuNewTracksBodySchema>;
export type SfuRenegotiateBody = z.infer<typeof sfuRenegotiateBodySchema>;
export type SfuCloseTracksBody = z.infer<typeof sfuCloseTracksBodySchema>;

/** What the SFU answered, passed through with Cloudflare's field names (fields not listed here are dropped). */
export const sfuAnswerSchema = z
  .object({
    sessionId: z.string().optional(),
    sessionDescription: z.object({ type: z.string(), sdp: z.string() }).optional(),
    requiresImmediateRenegotiation: z.boolean().optional(),
    tracks: z
      .array(
        z.object({
          mid: z.string().optional(),
          trackName: z.string().optional(),
          sessionId: z.string().optional(),
          errorCode: z.string().optional(),
          errorDescription: z.string().optional(),
        }),
      )
      .optional(),
    errorCode: z.string().optional(),
    errorDescription: z.string().optional(),
  })
  .meta({ id: "SfuAnswer" });
export type SfuAnswer = z.infer<typeof sfuAnswerSchema>;

export const sfuSessionIdSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_-]+$/, "an SFU session id");

/** RPC input of the four SFU proxy methods. */
export const sfuRequestSchema = z.discriminatedUnion("action", [
  z.object({ action: z.literal("new_session"), callId: callIdSchema, body: sfuNewSessionBodySchema }),
  z.object({ action: z.literal("new_tracks"), callId: callIdSchema, sessionId: sfuSessionIdSchema, body: sfuNewTracksBodySchema }),
  z.object({ action: z.literal("renegotiate"), callId: callIdSchema, sessionId: sfuSessionIdSchema, body: sfuRenegotiateBodySchema }),
  z.object({ action: z.literal("close_tracks"), callId: callIdSchema, sessionId: sfuSessionIdSchema, body: sfuCloseTracksBodySchema }),
]);
export type SfuRequest = z.infer<typeof sfuRequestSchema>;
