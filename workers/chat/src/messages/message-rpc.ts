import type * as z from "zod";
import type { MessageView } from "../../../../lib/contracts/chat";
import {
  editMessageInputSchema,
  listMessagesInputSchema,
  markReadInputSchema,
  messageTargetSchema,
  mlsGroupInputSchema,
  reactInputSchema,
  sendMessageInputSchema,
  type EditMessageInput,
  type ListMessagesInput,
  type MarkReadInput,
  type MessagePage,
  type MessageTarget,
  type MlsGroupInput,
  type ReactInput,
  type ReadWatermark,
  type SendMessageRpcInput,
  type SentMessage,
} from "../../../../lib/contracts/chat-rpc";
import type { MlsGroupView } from "../../../../lib/contracts/mls";
import { AppError } from "../../../../lib/errors";
import { forwardResult, type Result } from "../../../../lib/result";
import { durableObjectByName, parseInput, verifiedCaller, type AuthedContext, type RpcContext } from "../../../../lib/rpc";
import type { ConversationRoom } from "../rooms/conversation-room";

/**
 * Message RPCs: each validates its input and calls the conversation's room, which applies the same
 * rules (RoomActions) as a socket frame. Non-members get NOT_FOUND from the room itself, and the
 * room's Result is the answer as it is.
 */
function inRoom<S extends z.ZodType<{ conversationId: string }>, T>(
  env: ChatEnv,
  rpc: RpcContext,
  schema: S,
  input: z.infer<S>,
  call: (room: DurableObjectStub<ConversationRoom>, input: z.infer<S>, caller: AuthedContext) => Promise<Result<T>>,
): Promise<Result<T>> {
  return forwardResult(async () => {
    const caller = verifiedCaller(rpc);
    const parsed = parseInput(schema, input);
    return call(durableObjectByName(env.CONVERSATION_ROOM, parsed.conversationId), parsed, caller);
  });
}

export function sendMessageRpc(env: ChatEnv, rpc: RpcContext, input: SendMessageRpcInput): Promise<Result<SentMessage>> {
  return inRoom(env, rpc, sendMessageInputSchema, input, (room, { conversationId, message }, { userId, requestId }) =>
    room.sendMessage(conversationId, userId, message, requestId),
  );
}

export function listMessagesRpc(env: ChatEnv, rpc: RpcContext, input: ListMessagesInput): Promise<Result<MessagePage>> {
  return inRoom(env, rpc, listMessagesInputSchema, input, (room, { conversationId, query }, { userId }) => room.history(conversationId, userId, query));
}

export function editMessageRpc(env: ChatEnv, rpc: RpcContext, input: EditMessageInput): Promise<Result<MessageView>> {
  return inRoom(env, rpc, editMessageInputSchema, input, (room, { conversationId, seq, patch }, { userId }) => {
    if ((patch.body === undefined) === (patch.ciphertext === undefined)) {
      throw new AppError("VALIDATION_ERROR", "An edit carries exactly one of body and ciphertext.", [{ field: "body", message: "required" }]);
    }
    return room.editMessage(conversationId, userId, seq, patch);
  });
}

export function deleteMessageRpc(env: ChatEnv, rpc: RpcContext, input: MessageTarget): Promise<Result<MessageView>> {
  return inRoom(env, rpc, messageTargetSchema, input, (room, { conversationId, seq }, { userId }) => room.deleteMessage(conversationId, userId, seq));
}

export function reactRpc(env: ChatEnv, rpc: RpcContext, input: ReactInput): Promise<Result<MessageView>> {
  return inRoom(env, rpc, reactInputSchema, input, (room, { conversationId, seq, emoji, on }, { userId }) =>
    room.react(conversationId, userId, seq, emoji, on),
  );
}

export function markReadRpc(env: ChatEnv, rpc: RpcContext, input: MarkReadInput): Promise<Result<ReadWatermark>> {
  return inRoom(env, rpc, markReadInputSchema, input, (room, { conversationId, seq }, { userId }) => room.markRead(conversationId, userId, seq));
}

export function mlsGroupRpc(env: ChatEnv, rpc: RpcContext, input: MlsGroupInput): Promise<Result<MlsGroupView>> {
  return inRoom(env, rpc, mlsGroupInputSchema, input, (room, { conversationId }, { userId }) => room.mlsGroup(conversationId, userId));
}
