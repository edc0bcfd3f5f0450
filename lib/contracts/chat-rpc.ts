import * as z from "zod";
import {
  CHAT_LIMITS,
  MemberRoleSchema,
  addMembersSchema,
  conversationEnvelopeSchema,
  type conversationListSchema,
  type createConversationSchema,
  editMessageSchema,
  emojiSchema,
  historyQuerySchema,
  idSchema,
  type listConversationsQuerySchema,
  messageEnvelopeSchema,
  messageViewSchema,
  type messagePageSchema,
  type presenceListSchema,
  readReceiptSchema,
  renameConversationSchema,
  sendMessageSchema,
  seqSchema,
  setRoleSchema,
} from "./chat";
import { callEventFrameSchema } from "./chat-frames";
import { seqParamSchema } from "./decimal-param";
import { mlsEpochSchema } from "./mls";

/**
 * ChatService's RPC surface: one schema per method input and output. The gateway's routes build
 * these from the HTTP shapes in ./chat; the service parses them again (the gateway is trusted,
 * shapes are not), and `tsc` checks both sides against the inferred types.
 */

/* ---------- the gateway's path and query parameters ---------- */

export const conversationParamsSchema = z.object({ id: idSchema });
export const memberParamsSchema = z.object({ id: idSchema, user_id: idSchema });
export const messageParamsSchema = z.object({ id: idSchema, seq: seqParamSchema });
/** The emoji is a URL segment here; the service applies `emojiSchema` to it. */
export const reactionParamsSchema = messageParamsSchema.extend({ emoji: z.string().min(1).max(64) });
/** `GET /v1/messages`, the seed-compatible alias: the conversation is named in the query. */
export const historyAliasQuerySchema = historyQuerySchema.extend({ conversation_id: idSchema });

/**
 * `PATCH .../messages/{seq}`: `body` for a plaintext message, `ciphertext` for an E2EE one; exactly one (checked by the service).
 * In an `mls` room only `ciphertext` (a new MLS application message), with the `epoch` it was made in (optional; replaces the shown one).
 */
export const editMessageBodySchema = editMessageSchema.partial().extend({ ciphertext: z.string().min(1).optional(), epoch: mlsEpochSchema.optional() });
export type EditMessageBody = z.infer<typeof editMessageBodySchema>;

export const readWatermarkSchema = z.object({ last_read_seq: z.number().int() });
export type ReadWatermark = z.infer<typeof readWatermarkSchema>;

/* ---------- inputs ---------- */

export type CreateConversationInput = z.infer<typeof createConversationSchema>;
export type ListConversationsInput = z.infer<typeof listConversationsQuerySchema>;
/** getConversation, members, connectedUsers. */
export const conversationIdSchema = idSchema;
export type ConversationId = z.infer<typeof conversationIdSchema>;

const conversationTargetSchema = z.object({ conversationId: idSchema });
export const addMembersInputSchema = conversationTargetSchema.extend(addMembersSchema.shape);
export type AddMembersInput = z.infer<typeof addMembersInputSchema>;
export const renameInputSchema = conversationTargetSchema.extend(renameConversationSchema.shape);
export type RenameInput = z.infer<typeof renameInputSchema>;
export const memberTargetSchema = conversationTargetSchema.extend({ targetUserId: idSchema });
export type MemberTarget = z.infer<typeof memberTargetSchema>;
export const setRoleInputSchema = memberTargetSchema.extend(setRoleSchema.shape);
export type SetRoleInput = z.infer<typeof setRoleInputSchema>;

export const sendMessageInputSchema = conversationTargetSchema.extend({ message: sendMessageSchema });
export type SendMessageRpcInput = z.infer<typeof sendMessageInputSchema>;
export type HistoryQueryInput = z.infer<typeof historyQuerySchema>;
export const listMessagesInputSchema = conversationTargetSchema.extend({ query: historyQuerySchema });
export type ListMessagesInput = z.infer<typeof listMessagesInputSchema>;
export const messageTargetSchema = conversationTargetSchema.extend({ seq: seqSchema });
export type MessageTarget = z.infer<typeof messageTargetSchema>;
export const editMessageInputSchema = messageTargetSchema.extend({ patch: editMessageBodySchema });
export type EditMessageInput = z.infer<typeof editMessageInputSchema>;
export const reactInputSchema = messageTargetSchema.extend({ emoji: emojiSchema, on: z.boolean() });
export type ReactInput = z.infer<typeof reactInputSchema>;
export const markReadInputSchema = conversationTargetSchema.extend(readReceiptSchema.shape);
export type MarkReadInput = z.infer<typeof markReadInputSchema>;
/** getMlsGroup: the conversation whose MLS epoch and GroupInfo the caller asks for. */
export const mlsGroupInputSchema = conversationTargetSchema;
export type MlsGroupInput = z.infer<typeof mlsGroupInputSchema>;

export const presenceUserIdsSchema = z.array(idSchema).min(1).max(CHAT_LIMITS.maxUserIdsPerCall);
export type PresenceUserIds = z.infer<typeof presenceUserIdsSchema>;

/** For the calls and storage workers. */
export const memberQuerySchema = z.object({ conversationId: idSchema, userId: idSchema });
export type MemberQuery = z.infer<typeof memberQuerySchema>;
/**
 * A call event from the calls worker: the conversation socket's call frame, or `declined`, which
 * that socket has no frame for: it reaches device streams (ConversationRoom.deliver says what the
 * sockets hear instead).
 */
export const callDeliverySchema = callEventFrameSchema.extend({ event: z.enum([...callEventFrameSchema.shape.event.options, "declined"]) });
export type CallDelivery = z.infer<typeof callDeliverySchema>;
export const deliverCallEventInputSchema = z.object({
  conversationId: idSchema,
  userIds: z.array(idSchema).max(1000).optional(),
  frame: callDeliverySchema,
  /** The device that acted (answered, declined): its stream does not get this event. */
  exceptDeviceId: z.string().min(1).max(64).optional(),
});
export type DeliverCallEventInput = z.infer<typeof deliverCallEventInputSchema>;

/* ---------- outputs ---------- */

export const createdConversationSchema = conversationEnvelopeSchema.extend({ created: z.boolean() });
export type CreatedConversation = z.infer<typeof createdConversationSchema>;
export type ConversationPage = z.infer<typeof conversationListSchema>;
export const sentMessageSchema = messageEnvelopeSchema.extend({ created: z.boolean() });
export type SentMessage = z.infer<typeof sentMessageSchema>;
export type MessagePage = z.infer<typeof messagePageSchema>;
export type PresenceList = z.infer<typeof presenceListSchema>;
export const memberAnswerSchema = z.object({ member: z.boolean(), role: MemberRoleSchema.optional() });
export type MemberAnswer = z.infer<typeof memberAnswerSchema>;
export const userIdListSchema = z.object({ userIds: z.array(z.string()) });
export type UserIdList = z.infer<typeof userIdListSchema>;
export const deliveredSchema = z.object({ delivered: z.number().int().nonnegative() });
export type Delivered = z.infer<typeof deliveredSchema>;
export const pushStatusSchema = z.object({ configured: z.boolean() });
export type PushStatus = z.infer<typeof pushStatusSchema>;

/* ---------- data export: the caller's own messages of one room, for the account-jobs consumer ---------- */

export const OWN_MESSAGES_PAGE = 500;
export const ownMessagesPageSchema = z.object({
  messages: z.array(messageViewSchema),
  /** Pass as `after_seq` for the next page; null on the last. */
  next_after_seq: z.number().int().nullable(),
});
export type OwnMessagesPage = z.infer<typeof ownMessagesPageSchema>;
