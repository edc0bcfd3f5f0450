import * as z from "zod";
import {
  CHAT_LIMITS,
  addMembersSchema,
  createConversationSchema,
  idSchema,
  listConversationsQuerySchema,
  setRoleSchema,
  type ConversationListItemView,
  type ConversationView,
} from "../../../../lib/contracts/chat";
import { withDb, type ConversationWithMembers, type Database, type MemberRole } from "../../../../lib/db";
import { AppError } from "../../../../lib/errors";
import { toResult, type Result } from "../../../../lib/result";
import type { RpcContext } from "../../../../lib/rpc";
import { callerOf, parseInput } from "../rpc-input";
import { conversationListItemView, conversationView, decodeCursor, encodeCursor } from "./conversation-views";
import { leaveOrRemove, syncRoom } from "./membership";

type WaitUntil = { waitUntil(promise: Promise<unknown>): void };

/** The conversation, if the caller is a member; NOT_FOUND otherwise (never "forbidden": existence stays hidden). */
export async function visibleConversation(db: Database, conversationId: string, userId: string): Promise<ConversationWithMembers> {
  const conversation = await db.conversations.get(conversationId);
  if (!conversation || !conversation.members.some((m) => m.userId === userId)) throw new AppError("NOT_FOUND", "No such conversation.");
  return conversation;
}

async function requireUsersExist(db: Database, userIds: readonly string[], field: string): Promise<void> {
  const found = new Set((await db.users.findManyByIds(userIds)).map((u) => u.id));
  const missing = userIds.filter((id) => !found.has(id));
  if (missing.length > 0) {
    throw new AppError(
      "VALIDATION_ERROR",
      "Some users do not exist.",
      missing.map((id) => ({ field, message: `no such user: ${id}` })),
    );
  }
}

export function createConversationRpc(
  env: ChatEnv,
  exec: WaitUntil,
  ctx: RpcContext,
  input: unknown,
): Promise<Result<{ conversation: ConversationView; created: boolean }>> {
  return toResult(async () => {
    const { userId } = callerOf(ctx);
    const body = parseInput(createConversationSchema, input);
    const others = [...new Set(body.member_ids)].filter((id) => id !== userId);
    return withDb(
      env,
      async (db) => {
        await requireUsersExist(db, others, "member_ids");
        if (body.type === "direct") {
          const [other] = others;
          if (!other)
            throw new AppError("VALIDATION_ERROR", "A direct conversation needs another user.", [{ field: "member_ids", message: "must name one other user" }]);
          const { conversation, created } = await db.conversations.createDirect({ createdBy: userId, otherUserId: other });
          if (created) await syncRoom(env, conversation);
          return { conversation: conversationView(conversation), created };
        }
        if (others.length + 1 > CHAT_LIMITS.maxGroupMembers)
          throw new AppError("VALIDATION_ERROR", "Too many members.", [{ field: "member_ids", message: `at most ${CHAT_LIMITS.maxGroupMembers} members` }]);
        const conversation = await db.conversations.createGroup({ createdBy: userId, name: body.name ?? null, memberIds: others });
        await syncRoom(env, conversation);
        return { conversation: conversationView(conversation), created: true };
      },
      exec,
    );
  });
}

export function getConversationRpc(env: ChatEnv, exec: WaitUntil, ctx: RpcContext, conversationId: unknown): Promise<Result<ConversationView>> {
  return toResult(async () => {
    const { userId } = callerOf(ctx);
    const id = parseInput(idSchema, conversationId);
    return withDb(env, async (db) => conversationView(await visibleConversation(db, id, userId)), exec);
  });
}

export function listConversationsRpc(
  env: ChatEnv,
  exec: WaitUntil,
  ctx: RpcContext,
  query: unknown,
): Promise<Result<{ conversations: ConversationListItemView[]; has_more: boolean; next_cursor: string | null }>> {
  return toResult(async () => {
    const { userId } = callerOf(ctx);
    const q = parseInput(listConversationsQuerySchema, query);
    const before = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
    if (before === null) throw new AppError("VALIDATION_ERROR", "The cursor is not valid.", [{ field: "cursor", message: "not a cursor from this API" }]);
    const rows = await withDb(env, (db) => db.conversations.listForUser(userId, { limit: q.limit + 1, ...(before ? { before } : {}) }), exec);
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    const hasMore = rows.length > q.limit;
    return { conversations: page.map(conversationListItemView), has_more: hasMore, next_cursor: hasMore && last ? encodeCursor(last) : null };
  });
}

function canManage(role: MemberRole | undefined): boolean {
  return role === "owner" || role === "admin";
}

export function addMembersRpc(env: ChatEnv, exec: WaitUntil, ctx: RpcContext, input: unknown): Promise<Result<ConversationView>> {
  return toResult(async () => {
    const { userId } = callerOf(ctx);
    const { conversationId, user_ids } = parseInput(z.object({ conversationId: idSchema }).and(addMembersSchema), input);
    return withDb(
      env,
      async (db) => {
        const conversation = await visibleConversation(db, conversationId, userId);
        if (conversation.type === "direct") throw new AppError("FORBIDDEN", "A direct conversation always has exactly two members.");
        if (!canManage(conversation.members.find((m) => m.userId === userId)?.role))
          throw new AppError("FORBIDDEN", "Only a group owner or admin can add members.");
        const fresh = [...new Set(user_ids)].filter((id) => !conversation.members.some((m) => m.userId === id));
        await requireUsersExist(db, fresh, "user_ids");
        if (conversation.members.length + fresh.length > CHAT_LIMITS.maxGroupMembers)
          throw new AppError("CONFLICT", `A group has at most ${CHAT_LIMITS.maxGroupMembers} members.`);
        if (fresh.length > 0) await db.conversations.addMembers(conversationId, fresh);
        const updated = await visibleConversation(db, conversationId, userId);
        await syncRoom(env, updated);
        return conversationView(updated);
      },
      exec,
    );
  });
}

export function removeMemberRpc(env: ChatEnv, exec: WaitUntil, ctx: RpcContext, input: unknown): Promise<Result<null>> {
  return toResult(async () => {
    const { userId } = callerOf(ctx);
    const { conversationId, targetUserId } = parseInput(z.object({ conversationId: idSchema, targetUserId: idSchema }), input);
    await withDb(env, async (db) => leaveOrRemove(env, db, await visibleConversation(db, conversationId, userId), userId, targetUserId), exec);
    return null;
  });
}

export function setMemberRoleRpc(env: ChatEnv, exec: WaitUntil, ctx: RpcContext, input: unknown): Promise<Result<ConversationView>> {
  return toResult(async () => {
    const { userId } = callerOf(ctx);
    const { conversationId, targetUserId, role } = parseInput(z.object({ conversationId: idSchema, targetUserId: idSchema }).and(setRoleSchema), input);
    return withDb(
      env,
      async (db) => {
        const conversation = await visibleConversation(db, conversationId, userId);
        if (conversation.members.find((m) => m.userId === userId)?.role !== "owner") throw new AppError("FORBIDDEN", "Only the group owner can change roles.");
        const target = conversation.members.find((m) => m.userId === targetUserId);
        if (!target) throw new AppError("NOT_FOUND", "No such member.");
        if (target.role === "owner") throw new AppError("CONFLICT", "The owner's role cannot be changed.");
        await db.conversations.setRole(conversationId, targetUserId, role);
        const updated = await visibleConversation(db, conversationId, userId);
        await syncRoom(env, updated);
        return conversationView(updated);
      },
      exec,
    );
  });
}
