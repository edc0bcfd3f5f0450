import * as z from "zod";
import { idSchema } from "../../../lib/contracts/chat";
import { callEventFrameSchema, type CallEventFrame } from "../../../lib/contracts/chat-frames";
import { withDb, type MemberRole } from "../../../lib/db";
import { toResult, type Result } from "../../../lib/result";
import type { RpcContext } from "../../../lib/rpc";
import { parseInput, roomOf } from "./rpc-input";

/**
 * What other workers (calls, storage) ask the chat worker about conversations. Membership answers
 * come from the database (the source of truth); live state (who has a socket open) from the room.
 */
type WaitUntil = { waitUntil(promise: Promise<unknown>): void };

const memberQuery = z.object({ conversationId: idSchema, userId: idSchema });

export function isMemberRpc(env: ChatEnv, exec: WaitUntil, _ctx: RpcContext, input: unknown): Promise<Result<{ member: boolean; role?: MemberRole }>> {
  return toResult(async () => {
    const { conversationId, userId } = parseInput(memberQuery, input);
    const member = await withDb(env, (db) => db.conversations.getMember(conversationId, userId), exec);
    return member ? { member: true, role: member.role } : { member: false };
  });
}

export function membersRpc(env: ChatEnv, exec: WaitUntil, _ctx: RpcContext, conversationId: unknown): Promise<Result<{ userIds: string[] }>> {
  return toResult(async () => {
    const id = parseInput(idSchema, conversationId);
    const conversation = await withDb(env, (db) => db.conversations.get(id), exec);
    return { userIds: conversation ? conversation.members.map((m) => m.userId) : [] };
  });
}

export function connectedUsersRpc(env: ChatEnv, _ctx: RpcContext, conversationId: unknown): Promise<Result<{ userIds: string[] }>> {
  return toResult(async () => {
    const id = parseInput(idSchema, conversationId);
    return { userIds: await roomOf(env, id).connectedUsers() };
  });
}

const deliverInput = z.object({ conversationId: idSchema, userIds: z.array(idSchema).max(1000).optional(), frame: callEventFrameSchema });

/** Sends a call event frame to those members' sockets in the conversation's room (all members if no ids). */
export function deliverCallEventRpc(env: ChatEnv, _ctx: RpcContext, input: unknown): Promise<Result<{ delivered: number }>> {
  return toResult(async () => {
    const { conversationId, userIds, frame } = parseInput(deliverInput, input);
    const delivered = await roomOf(env, conversationId).deliver(frame satisfies CallEventFrame, userIds);
    return { delivered };
  });
}
