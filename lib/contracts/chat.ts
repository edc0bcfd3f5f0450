import * as z from "zod";
import { decimalIntegerParam, seqParamSchema } from "./decimal-param";
import { conversationEncryptionSchema, mlsEpochSchema, mlsSendFieldsSchema } from "./mls";

/**
 * Conversations, messages and presence: HTTP bodies, views and the chat worker's RPC inputs.
 * Limits are part of the contract (documented in workers/chat/README.md).
 */
export const CHAT_LIMITS = {
  /** A message's `body` or `ciphertext`, in UTF-8 bytes. Larger is PAYLOAD_TOO_LARGE (413 / error frame). */
  maxBodyBytes: 64 * 1024,
  /** Attachments per message (storage `file_id`s). */
  maxAttachments: 10,
  /** Members of a group, creator included. */
  maxGroupMembers: 1000,
  /** `user_ids` per add-members call and per presence query. */
  maxUserIdsPerCall: 100,
  /** History page size. */
  maxPageSize: 100,
  defaultPageSize: 50,
  /** A reaction is one short grapheme cluster (emoji with modifiers/ZWJ), not free text. */
  maxEmojiLength: 32,
} as const;

// Tuples (not zod `.options`, which widens to string[]) so the tables' Drizzle enum columns keep literal types.
export const CONVERSATION_TYPES = ["direct", "group"] as const;
export const MEMBER_ROLES = ["owner", "admin", "member"] as const;
export const ConversationTypeSchema = z.enum(CONVERSATION_TYPES);
export const MemberRoleSchema = z.enum(MEMBER_ROLES);
export type ConversationType = z.infer<typeof ConversationTypeSchema>;
export type MemberRole = z.infer<typeof MemberRoleSchema>;

export const idSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, "an opaque id");
export const clientIdSchema = z.string().min(1).max(128);
export const contentTypeSchema = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9!#$&^_.+-]+\/[A-Za-z0-9!#$&^_.+-]+$/, "a MIME type like text/plain");
export const seqSchema = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
/** One emoji: pictographs, flags, keycaps, with their modifiers/joiners; never letters, digits or spaces. */
export const emojiSchema = z
  .string()
  .min(1)
  .max(CHAT_LIMITS.maxEmojiLength)
  .regex(
    /^(?:\p{Extended_Pictographic}|\p{Regional_Indicator}|[#*0-9]\uFE0F?\u20E3|\p{Emoji_Modifier}|\u200D|\uFE0F|[\u{E0020}-\u{E007F}])+$/u,
    "a single emoji",
  )
  .refine((s) => /\p{Extended_Pictographic}|\p{Regional_Indicator}|\u20E3/u.test(s) && graphemes(s) === 1, "a single emoji");

const segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });
function graphemes(s: string): number {
  let n = 0;
  for (const _ of segmenter.segment(s)) n++;
  return n;
}

export function utf8Bytes(text: string): number {
  return new TextEncoder().encode(text).length;
}

/* ---------- Conversations ---------- */

export const memberViewSchema = z.object({ user_id: z.string(), role: MemberRoleSchema }).meta({ id: "ConversationMember" });

export const lastMessageViewSchema = z
  .object({
    id: z.string(),
    seq: z.number().int(),
    sender_id: z.string(),
    content_type: z.string(),
    body: z.string().nullable(),
    ciphertext: z.string().nullable().optional(),
    created_at: z.string(),
    deleted: z.boolean().optional(),
    /**
     * Present (true) only in the list of a caller who blocks this message's sender (issue 21), as on
     * the caller's copy of the message in history (`Message.sender_blocked`): clients show that it is
     * hidden instead of its text. Decided when the list is read, so a block or unblock shows at once.
     */
    sender_blocked: z.literal(true).optional(),
  })
  .meta({ id: "LastMessage" });

export const conversationViewSchema = z
  .object({
    id: z.string(),
    type: ConversationTypeSchema,
    name: z.string().nullable(),
    members: z.array(memberViewSchema),
    /** Fixed at creation: `mls` rooms take only MLS ciphertext (lib/contracts/mls.ts). */
    encryption: conversationEncryptionSchema,
    created_at: z.string(),
    last_activity_at: z.string(),
    last_message_seq: z.number().int(),
  })
  .meta({ id: "Conversation" });
export type ConversationView = z.infer<typeof conversationViewSchema>;

/** An item of `GET /v1/conversations`: the conversation plus the caller's list-view state. */
export const conversationListItemSchema = conversationViewSchema
  .extend({
    // A union, not `.nullable()`: on a named schema the latter is documented as allOf [$ref, null], which no value matches.
    last_message: z.union([lastMessageViewSchema, z.null()]),
    unread_count: z.number().int().nonnegative(),
    last_read_seq: z.number().int().nonnegative(),
    role: MemberRoleSchema,
    /**
     * The caller muted it (no pushes; messages still arrive); `muted_until` null while muted = until unmuted.
     * This server always sends both; optional so clients typed from this schema still accept older servers.
     */
    muted: z.boolean().optional(),
    muted_until: z.string().nullable().optional(),
  })
  .meta({ id: "ConversationListItem" });
export type ConversationListItemView = z.infer<typeof conversationListItemSchema>;

/** A group's name: the same rule at creation and rename. */
export const conversationNameSchema = z.string().trim().min(1).max(100);
/** `PATCH /v1/conversations/{id}`: rename a group (owner or admin). */
export const renameConversationSchema = z.object({ name: conversationNameSchema });

export const createConversationSchema = z
  .object({
    type: ConversationTypeSchema,
    member_ids: z.array(idSchema).max(CHAT_LIMITS.maxUserIdsPerCall),
    name: conversationNameSchema.optional(),
    /**
     * Default `none` (API.md's body-based contract). A pair has at most one direct conversation per
     * encryption: a direct `mls` create returns the pair's `mls` one, never their `none` one.
     */
    encryption: conversationEncryptionSchema.default("none"),
  })
  .refine((v) => v.type !== "direct" || v.member_ids.length === 1, { message: "a direct conversation has exactly one other member", path: ["member_ids"] });
export type CreateConversationInput = z.infer<typeof createConversationSchema>;

export const listConversationsQuerySchema = z.object({
  limit: decimalIntegerParam({ min: 1, max: 100 }).default(50),
  /** Opaque cursor from the previous page's `next_cursor`. */
  cursor: z.string().max(200).optional(),
});

export const addMembersSchema = z.object({ user_ids: z.array(idSchema).min(1).max(CHAT_LIMITS.maxUserIdsPerCall) });
export const setRoleSchema = z.object({ role: z.enum(["admin", "member"]) });

/* ---------- Messages ---------- */

export const attachmentsSchema = z.array(idSchema).max(CHAT_LIMITS.maxAttachments);

export const reactionViewSchema = z.object({ emoji: z.string(), user_ids: z.array(z.string()) });

export const messageViewSchema = z
  .object({
    id: z.string(),
    conversation_id: z.string(),
    seq: z.number().int(),
    sender_id: z.string(),
    client_id: z.string(),
    content_type: z.string(),
    body: z.string().nullable(),
    ciphertext: z.string().nullable(),
    attachments: z.array(z.string()),
    reply_to_seq: z.number().int().nullable(),
    /** The MLS epoch the sender declared (handshake messages always; application messages when sent), else null. */
    epoch: mlsEpochSchema.nullable(),
    reactions: z.array(reactionViewSchema),
    created_at: z.string(),
    edited_at: z.string().nullable(),
    deleted: z.boolean(),
    /**
     * Present (true) only on the copy of a viewer who blocks the sender (issue 21): in a shared group
     * the message is delivered as usual and clients hide it. Absent everywhere else.
     */
    sender_blocked: z.literal(true).optional(),
  })
  .meta({ id: "Message" });
export type MessageView = z.infer<typeof messageViewSchema>;

/**
 * A new message's fields, for `POST .../messages` and the socket's `send` frame alike. Exactly one
 * of `body` (plaintext) and `ciphertext` (opaque E2EE payload the server never inspects). Sizes are
 * checked in bytes by the room (413), not here, so an oversized body gets PAYLOAD_TOO_LARGE rather
 * than a validation error.
 */
export const messageContentSchema = z.object({
  client_id: clientIdSchema,
  content_type: contentTypeSchema.optional(),
  body: z
    .string()
    .min(1)
    .optional()
    .meta({ description: `UTF-8 text, at most ${CHAT_LIMITS.maxBodyBytes} bytes` }),
  ciphertext: z
    .string()
    .min(1)
    .optional()
    .meta({ description: `Opaque E2EE payload, at most ${CHAT_LIMITS.maxBodyBytes} bytes` }),
  attachments: attachmentsSchema.optional(),
  reply_to_seq: seqSchema.optional(),
  ...mlsSendFieldsSchema.shape,
});
export const sendMessageSchema = messageContentSchema.refine((v) => (v.body === undefined) !== (v.ciphertext === undefined), {
  message: "exactly one of body and ciphertext",
  path: ["body"],
});
export type SendMessageInput = z.infer<typeof sendMessageSchema>;

export const sendMessageAliasSchema = z.object({ conversation_id: idSchema }).and(sendMessageSchema);

export const editMessageSchema = z.object({
  body: z
    .string()
    .min(1)
    .meta({ description: `UTF-8 text, at most ${CHAT_LIMITS.maxBodyBytes} bytes` }),
});

export const readReceiptSchema = z.object({ seq: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER) });

export const historyQuerySchema = z.object({
  before_seq: seqParamSchema.optional(),
  after_seq: seqParamSchema.optional(),
  limit: decimalIntegerParam({ min: 1, max: CHAT_LIMITS.maxPageSize }).optional(),
});

export const messageEnvelopeSchema = z.object({ message: messageViewSchema });
export const messagePageSchema = z.object({ messages: z.array(messageViewSchema), has_more: z.boolean() });
export const conversationEnvelopeSchema = z.object({ conversation: conversationViewSchema });
export const conversationListSchema = z.object({
  conversations: z.array(conversationListItemSchema),
  has_more: z.boolean(),
  next_cursor: z.string().nullable(),
});

/* ---------- Presence ---------- */

export const presenceStatusSchema = z.enum(["online", "offline"]);
export type PresenceStatus = z.infer<typeof presenceStatusSchema>;
export const presenceViewSchema = z.object({ user_id: z.string(), status: presenceStatusSchema, last_seen_at: z.string().nullable() }).meta({ id: "Presence" });
export type PresenceView = z.infer<typeof presenceViewSchema>;
export const presenceQuerySchema = z.object({
  user_ids: z
    .string()
    .min(1)
    .max(CHAT_LIMITS.maxUserIdsPerCall * 65)
    .transform((s) => [
      ...new Set(
        s
          .split(",")
          .map((x) => x.trim())
          .filter((x) => x.length > 0),
      ),
    ])
    .pipe(z.array(idSchema).min(1).max(CHAT_LIMITS.maxUserIdsPerCall)),
});
export const presenceListSchema = z.object({ presence: z.array(presenceViewSchema) });
