import * as z from "zod";

/**
 * JSON shapes of the tables' JSON columns. The value sets (statuses, roles, platforms) are owned by
 * lib/contracts; they are re-exported here so `lib/db` keeps one import point for row types and value sets.
 */
export { EMAIL_TOKEN_PURPOSES, EmailTokenPurposeSchema, type EmailTokenPurpose } from "../lib/contracts/auth";
export { CALL_STATUSES, CALL_TYPES, CallStatusSchema, CallTypeSchema, PARTICIPANT_OUTCOMES, ParticipantOutcomeSchema } from "../lib/contracts/calls";
export type { CallStatus, CallType, ParticipantOutcome } from "../lib/contracts/calls";
export { CONVERSATION_TYPES, ConversationTypeSchema, MEMBER_ROLES, MemberRoleSchema, type ConversationType, type MemberRole } from "../lib/contracts/chat";
export { FILE_STATUSES, FileStatusSchema, type FileStatus } from "../lib/contracts/storage";
export { PLATFORMS, PlatformSchema, type Platform } from "../lib/contracts/users";

/**
 * The list-view summary of a conversation's newest message, written asynchronously by the
 * ConversationRoom. `loose()` keeps extra fields the chat worker may add without a migration.
 * For E2EE conversations `body` is null and `ciphertext` carries the opaque payload (no plaintext).
 */
export const LastMessageSchema = z
  .object({
    id: z.string(),
    seq: z.number().int().positive(),
    sender_id: z.string(),
    content_type: z.string(),
    body: z.string().nullable(),
    ciphertext: z.string().nullable().optional(),
    created_at: z.string(),
  })
  .loose();
export type LastMessage = z.infer<typeof LastMessageSchema>;
