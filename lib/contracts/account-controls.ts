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
