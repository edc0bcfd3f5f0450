import * as z from "zod";
import { userIdSchema } from "./users";

/**
 * Blocking users and muting conversations (issue 21), as the gateway's routes take and answer them
 * (`/v1/users/me/blocks`, `/v1/conversations/{id}/mute`). The chat worker owns both.
 */

export const blockSchema = z.object({ user_id: z.string(), created_at: z.string() }).meta({ id: "Block" });
export const blockListSchema = z.object({ blocks: z.array(blockSchema) });
export type BlockList = z.infer<typeof blockListSchema>;
export const blockEnvelopeSchema = z.object({ block: blockSchema });
export type BlockEnvelope = z.infer<typeof blockEnvelopeSchema>;
export const blockTargetSchema = z.object({ user_id: userIdSchema });
export type BlockTarget = z.infer<typeof blockTargetSchema>;

/** Mutes end at most this far ahead (an open-ended mute is `until` absent or null). */
export const MUTE_MAX_MS = 366 * 24 * 60 * 60 * 1000;

export const muteBodySchema = z.object({
  /** ISO-8601 time the mute ends; absent or null mutes until unmuted. Must be in the future, at most a year ahead. */
  until: z.iso.datetime({ offset: true }).nullable().optional(),
});
export type MuteBody = z.infer<typeof muteBodySchema>;
export const muteSchema = z.object({ conversation_id: z.string(), until: z.string().nullable() }).meta({ id: "Mute" });
export const muteEnvelopeSchema = z.object({ mute: muteSchema });
export type MuteEnvelope = z.infer<typeof muteEnvelopeSchema>;

/* ---------- RPC inputs ---------- */

export const muteInputSchema = muteBodySchema.extend({ conversationId: z.string().min(1).max(64) });
export type MuteInput = z.infer<typeof muteInputSchema>;

/* ---------- disappearing messages ---------- */

/** The timer's bounds: 30 seconds to 4 weeks. */
export const DISAPPEARING_MIN_SECONDS = 30;
export const DISAPPEARING_MAX_SECONDS = 28 * 24 * 60 * 60;
/** The content type of the system message a timer change leaves in the conversation (body: `{"seconds": n | null}`). */
export const DISAPPEARING_TIMER_CONTENT_TYPE = "application/vnd.secureconnect.disappearing-timer+json";

export const disappearingBodySchema = z.object({
  /** null turns the timer off; messages sent afterwards are erased this many seconds after they were stored. */
  seconds: z.number().int().min(DISAPPEARING_MIN_SECONDS).max(DISAPPEARING_MAX_SECONDS).nullable(),
});
export type DisappearingBody = z.infer<typeof disappearingBodySchema>;
export const disappearingEnvelopeSchema = z.object({
  disappearing: z.object({ conversation_id: z.string(), seconds: z.number().int().nullable() }).meta({ id: "DisappearingTimer" }),
});
export type DisappearingEnvelope = z.infer<typeof disappearingEnvelopeSchema>;
export const disappearingInputSchema = disappearingBodySchema.extend({ conversationId: z.string().min(1).max(64) });
export type DisappearingInput = z.infer<typeof disappearingInputSchema>;
