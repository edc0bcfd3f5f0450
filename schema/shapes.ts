import * as z from "zod";

/**
 * Value sets and JSON shapes shared by both dialects' tables. zod is the single source: the Drizzle
 * `enum` columns and CHECK constraints take these tuples, and services validate inputs with the same schemas.
 */
// Tuples (not zod `.options`, which widens to string[]) so Drizzle enum columns keep literal types.
export const PLATFORMS = ["android", "ios", "web"] as const;
export const EMAIL_TOKEN_PURPOSES = ["verify", "reset"] as const;
export const CONVERSATION_TYPES = ["direct", "group"] as const;
export const MEMBER_ROLES = ["owner", "admin", "member"] as const;
export const CALL_TYPES = ["audio", "video"] as const;
export const CALL_STATUSES = ["ringing", "active", "ended"] as const;
export const PARTICIPANT_OUTCOMES = ["joined", "declined", "missed", "pending"] as const;
export const FILE_STATUSES = ["uploading", "completed", "deleted"] as const;

export const PlatformSchema = z.enum(PLATFORMS);
export const EmailTokenPurposeSchema = z.enum(EMAIL_TOKEN_PURPOSES);
export const ConversationTypeSchema = z.enum(CONVERSATION_TYPES);
export const MemberRoleSchema = z.enum(MEMBER_ROLES);
export const CallTypeSchema = z.enum(CALL_TYPES);
export const CallStatusSchema = z.enum(CALL_STATUSES);
export const ParticipantOutcomeSchema = z.enum(PARTICIPANT_OUTCOMES);
export const FileStatusSchema = z.enum(FILE_STATUSES);

export type Platform = z.infer<typeof PlatformSchema>;
export type EmailTokenPurpose = z.infer<typeof EmailTokenPurposeSchema>;
export type ConversationType = z.infer<typeof ConversationTypeSchema>;
export type MemberRole = z.infer<typeof MemberRoleSchema>;
export type CallType = z.infer<typeof CallTypeSchema>;
export type CallStatus = z.infer<typeof CallStatusSchema>;
export type ParticipantOutcome = z.infer<typeof ParticipantOutcomeSchema>;
export type FileStatus = z.infer<typeof FileStatusSchema>;

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
