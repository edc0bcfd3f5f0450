import * as z from "zod";
import {
  CHAT_LIMITS,
  editMessageSchema,
  emojiSchema,
  historyQuerySchema,
  idSchema,
  readReceiptSchema,
  sendMessageSchema,
  seqSchema,
  type MessageView,
} from "../../../../lib/contracts/chat";
import { AppError } from "../../../../lib/errors";
import { toResult, unwrap, type Result } from "../../../../lib/result";
import type { RpcContext } from "../../../../lib/rpc";
import { callerOf, parseInput, roomOf } from "../rpc-input";

/**
 * Message RPCs: each validates its input and calls the conversation's room, which applies the same
 * rules (RoomActions) as a socket frame. Non-members get NOT_FOUND from the room itself.
 */
const target = z.object({ conversationId: idSchema });
const messageTarget = target.extend({ seq: seqSchema });

export function sendMessageRpc(ctx: RpcContext, env: ChatEnv, input: unknown): Promise<Result<{ message: MessageView; created: boolean }>> {
  return toResult(async () => {
    const { userId, requestId } = callerOf(ctx);
    const { conversationId, message } = parseInput(target.extend({ message: sendMessageSchema }), input);
    return unwrap(await roomOf(env, conversationId).sendMessage(conversationId, userId, message, requestId));
  });
}

export function listMessagesRpc(ctx: RpcContext, env: ChatEnv, input: unknown): Promise<Result<{ messages: MessageView[]; has_more: boolean }>> {
  return toResult(async () => {
    const { userId } = callerOf(ctx);
    const { conversationId, query } = parseInput(target.extend({ query: historyQuerySchema }), input);
    const page = unwrap(
      await roomOf(env, conversationId).history(conversationId, userId, {
        limit: query.limit ?? CHAT_LIMITS.defaultPageSize,
        ...(query.before_seq !== undefined ? { beforeSeq: Number(query.before_seq) } : {}),
        ...(query.after_seq !== undefined ? { afterSeq: Number(query.after_seq) } : {}),
      }),
    );
    return { messages: page.messages, has_more: page.hasMore };
  });
}

const editInput = messageTarget.extend({ patch: editMessageSchema.extend({ body: z.string().min(1).optional(), ciphertext: z.string().min(1).optional() }) });

export function editMessageRpc(ctx: RpcContext, env: ChatEnv, input: unknown): Promise<Result<MessageView>> {
  return toResult(async () => {
    const { userId } = callerOf(ctx);
    const { conversationId, seq, patch } = parseInput(editInput, input);
    if ((patch.body === undefined) === (patch.ciphertext === undefined)) {
      throw new AppError("VALIDATION_ERROR", "An edit carries exactly one of body and ciphertext.", [{ field: "body", message: "required" }]);
    }
    return unwrap(
      await roomOf(env, conversationId).editMessage(conversationId, userId, seq, {
        ...(patch.body !== undefined ? { body: patch.body } : {}),
        ...(patch.ciphertext !== undefined ? { ciphertext: patch.ciphertext } : {}),
      }),
    );
  });
}

export function deleteMessageRpc(ctx: RpcContext, env: ChatEnv, input: unknown): Promise<Result<MessageView>> {
  return toResult(async () => {
    const { userId } = callerOf(ctx);
    const { conversationId, seq } = parseInput(messageTarget, input);
    return unwrap(await roomOf(env, conversationId).deleteMessage(conversationId, userId, seq));
  });
}

export function reactRpc(ctx: RpcContext, env: ChatEnv, input: unknown): Promise<Result<MessageView>> {
  return toResult(async () => {
    const { userId } = callerOf(ctx);
    const { conversationId, seq, emoji, on } = parseInput(messageTarget.extend({ emoji: emojiSchema, on: z.boolean() }), input);
    return unwrap(await roomOf(env, conversationId).react(conversationId, userId, seq, emoji, on));
  });
}

export function markReadRpc(ctx: RpcContext, env: ChatEnv, input: unknown): Promise<Result<{ last_read_seq: number }>> {
  return toResult(async () => {
    const { userId } = callerOf(ctx);
    const { conversationId, seq } = parseInput(target.extend(readReceiptSchema.shape), input);
    const { lastReadSeq } = unwrap(await roomOf(env, conversationId).markRead(conversationId, userId, seq));
    return { last_read_seq: lastReadSeq };
  });
}
