import * as z from "zod";
import { lastMessageViewSchema } from "../lib/contracts/chat";

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
 * It is the API's `LastMessage` as stored: `deleted` (and `encrypted`) ride along as extra fields.
 * Shared by every member, so never `sender_blocked`: that mark is per reader, added when the list is read.
 */
export const LastMessageSchema = lastMessageViewSchema.omit({ deleted: true, sender_blocked: true }).extend({ seq: z.number().int().positive() }).loose();
export type LastMessage = z.infer<typeof LastMessageSchema>;
