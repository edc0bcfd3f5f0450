import type * as z from "zod";
import type {
  addMembersSchema,
  createConversationSchema,
  historyQuerySchema,
  listConversationsQuerySchema,
  sendMessageSchema,
} from "../../../lib/contracts/chat";
import type { Result } from "../../../lib/result";

/** Input/output types of ChatService's chat methods (the shapes live in lib/contracts/chat.ts). */
export type R<T> = Promise<Result<T>>;
export type { ConversationListItemView, ConversationView, MessageView, PresenceView } from "../../../lib/contracts/chat";
export type { CallEventFrame } from "../../../lib/contracts/chat-frames";
export type { MemberRole } from "../../../lib/db";
import type { ConversationListItemView, ConversationView, MessageView } from "../../../lib/contracts/chat";

export type CreateConversation = z.input<typeof createConversationSchema>;
export type CreatedConversation = { conversation: ConversationView; created: boolean };
export type ListConversations = z.input<typeof listConversationsQuerySchema>;
export type ConversationPage = { conversations: ConversationListItemView[]; has_more: boolean; next_cursor: string | null };
export type AddMembers = { conversationId: string } & z.input<typeof addMembersSchema>;
export type MemberTarget = { conversationId: string; targetUserId: string };
export type SetRole = MemberTarget & { role: "admin" | "member" };
export type SendMessage = { conversationId: string; message: z.input<typeof sendMessageSchema> };
export type SentMessage = { message: MessageView; created: boolean };
export type ListMessages = { conversationId: string; query: z.input<typeof historyQuerySchema> };
export type MessageTarget = { conversationId: string; seq: number };
export type EditMessage = MessageTarget & { patch: { body?: string; ciphertext?: string } };
export type React = MessageTarget & { emoji: string; on: boolean };
export type MarkRead = { conversationId: string; seq: number };
export type MessagePage = { messages: MessageView[]; has_more: boolean };
