import type { MessageView } from "../../../../lib/contracts/chat";
import {
  editMessageInputSchema,
  listMessagesInputSchema,
  markReadInputSchema,
  messageTargetSchema,
  reactInputSchema,
  sendMessageInputSchema,
  type EditMessageInput,
  type ListMessagesInput,
  type MarkReadInput,
  type MessagePage,
  type MessageTarget,
  type ReactInput,
  type ReadWatermark,
  type SendMessageRpcInput,
  type SentMessage,
} from "../../../../lib/contracts/chat-rpc";
import { AppError } from "../../../../lib/errors";
import { forwardResult, type Result } from "../../../../lib/result";
import { durableObjectByName, parseInput, verifiedCaller, type RpcContext } from "../../../../lib/rpc";

/**
 * Message RPCs: each validates its input and calls the conversation's room, which applies the same
 * rules (RoomActions) as a socket frame. Non-members get NOT_FOUND from the room itself, and the
 * room's Result is the answer as it is.
 */
export function sendMessageRpc(env: ChatEnv, rpc: RpcContext, input: SendMessageRpcInput): Promise<Result<SentMessage>> {
  return forwardResult(async () => {
    const { userId, requestId } = verifiedCaller(rpc);
    const { conversationId, message } = parseInput(sendMessageInputSchema, input);
    return durableObjectByName(env.CONVERSATION_ROOM, conversationId).sendMessage(conversationId, userId, message, requestId);
  });
}

export function listMessagesRpc(env: ChatEnv, rpc: RpcContext, input: ListMessagesInput): Promise<Result<MessagePage>> {
  return forwardResult(async () => {
    const { userId } = verifiedCaller(rpc);
    const { conversationId, query } = parseInput(listMessagesInputSchema, input);
    return durableObjectByName(env.CONVERSATION_ROOM, conversationId).history(conversationId, userId, query);
  });
}

export function editMessageRpc(env: ChatEnv, rpc: RpcContext, input: EditMessageInput): Promise<Result<MessageView>> {
  return forwardResult(async () => {
    const { userId } = verifiedCaller(rpc);
    const { conversationId, seq, patch } = parseInput(editMessageInputSchema, input);
    if ((patch.body === undefined) === (patch.ciphertext === undefined)) {
      throw new AppError("VALIDATION_ERROR", "An edit carries exactly one of body and ciphertext.", [{ field: "body", message: "required" }]);
    }
    return durableObjectByName(env.CONVERSATION_ROOM, conversationId).editMessage(conversationId, userId, seq, patch);
  });
}

export function deleteMessageRpc(env: ChatEnv, rpc: RpcContext, input: MessageTarget): Promise<Result<MessageView>> {
  return forwardResult(async () => {
    const { userId } = verifiedCaller(rpc);
    const { conversationId, seq } = parseInput(messageTargetSchema, input);
    return durableObjectByName(env.CONVERSATION_ROOM, conversationId).deleteMessage(conversationId, userId, seq);
  });
}

export function reactRpc(env: ChatEnv, rpc: RpcContext, input: ReactInput): Promise<Result<MessageView>> {
  return forwardResult(async () => {
    const { userId } = verifiedCaller(rpc);
    const { conversationId, seq, emoji, on } = parseInput(reactInputSchema, input);
    return durableObjectByName(env.CONVERSATION_ROOM, conversationId).react(conversationId, userId, seq, emoji, on);
  });
}

export function markReadRpc(env: ChatEnv, rpc: RpcContext, input: MarkReadInput): Promise<Result<ReadWatermark>> {
  return forwardResult(async () => {
    const { userId } = verifiedCaller(rpc);
    const { conversationId, seq } = parseInput(markReadInputSchema, input);
    return durableObjectByName(env.CONVERSATION_ROOM, conversationId).markRead(conversationId, userId, seq);
  });
}
