import {
  conversationIdSchema,
  deliverCallEventInputSchema,
  memberQuerySchema,
  type ConversationId,
  type DeliverCallEventInput,
  type Delivered,
  type MemberAnswer,
  type MemberQuery,
  type UserIdList,
} from "../../../lib/contracts/chat-rpc";
import { withDb } from "../../../lib/db";
import { toResult, type Result } from "../../../lib/result";
import { durableObjectByName, parseInput, type RpcContext, type WaitUntil } from "../../../lib/rpc";

/**
 * What other workers (calls, storage) ask the chat worker about conversations. Membership answers
 * come from the database (the source of truth); live state (who has a socket open) from the room.
 */

export function isMemberRpc(env: ChatEnv, _rpc: RpcContext, input: MemberQuery, executionCtx: WaitUntil): Promise<Result<MemberAnswer>> {
  return toResult(async () => {
    const { conversationId, userId } = parseInput(memberQuerySchema, input);
    const member = await withDb(env, (db) => db.conversations.getMember(conversationId, userId), executionCtx);
    return member ? { member: true, role: member.role } : { member: false };
  });
}

export function membersRpc(env: ChatEnv, _rpc: RpcContext, conversationId: ConversationId, executionCtx: WaitUntil): Promise<Result<UserIdList>> {
  return toResult(async () => {
    const id = parseInput(conversationIdSchema, conversationId);
    const conversation = await withDb(env, (db) => db.conversations.get(id), executionCtx);
    return { userIds: conversation ? conversation.members.map((m) => m.userId) : [] };
  });
}

export function connectedUsersRpc(env: ChatEnv, _rpc: RpcContext, conversationId: ConversationId): Promise<Result<UserIdList>> {
  return toResult(async () => {
    const id = parseInput(conversationIdSchema, conversationId);
    return { userIds: await durableObjectByName(env.CONVERSATION_ROOM, id).connectedUsers() };
  });
}

/** Sends a call event to those members (all members if no ids) through the conversation's room: its sockets and their device streams. */
export function deliverCallEventRpc(env: ChatEnv, _rpc: RpcContext, input: DeliverCallEventInput): Promise<Result<Delivered>> {
  return toResult(async () => {
    const { conversationId, userIds, frame, exceptDeviceId } = parseInput(deliverCallEventInputSchema, input);
    const delivered = await durableObjectByName(env.CONVERSATION_ROOM, conversationId).deliver(frame, userIds, exceptDeviceId);
    return { delivered };
  });
}
