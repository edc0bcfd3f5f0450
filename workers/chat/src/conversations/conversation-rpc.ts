import { CHAT_LIMITS, createConversationSchema, listConversationsQuerySchema, type ConversationView } from "../../../../lib/contracts/chat";
import {
  addMembersInputSchema,
  conversationIdSchema,
  memberTargetSchema,
  renameInputSchema,
  setRoleInputSchema,
  type AddMembersInput,
  type ConversationId,
  type ConversationPage,
  type CreateConversationInput,
  type CreatedConversation,
  type ListConversationsInput,
  type MemberTarget,
  type RenameInput,
  type SetRoleInput,
} from "../../../../lib/contracts/chat-rpc";
import { withDb, type ConversationWithMembers, type Database, type MemberRole } from "../../../../lib/db";
import { AppError } from "../../../../lib/errors";
import { toResult, type Result } from "../../../../lib/result";
import { parseInput, verifiedCaller, type RpcContext, type WaitUntil } from "../../../../lib/rpc";
import { conversationListItemView, conversationView, decodeCursor, encodeCursor } from "./conversation-views";
import { announceRename, leaveOrRemove, syncRoom } from "./membership";

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
  rpc: RpcContext,
  input: CreateConversationInput,
  executionCtx: WaitUntil,
): Promise<Result<CreatedConversation>> {
  return toResult(async () => {
    const { userId } = verifiedCaller(rpc);
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
          // Either side's block refuses a new direct conversation (controls/blocks.ts); an existing one stays, read-only.
          const existing = await db.accountControls.directConversationId(userId, other);
          if (!existing && (await db.accountControls.blockedEitherWay(userId, other)))
            throw new AppError("FORBIDDEN", "You cannot start a conversation with this user.");
          const { conversation, created } = await db.conversations.createDirect({ createdBy: userId, otherUserId: other, encryption: body.encryption });
          if (created) await syncRoom(env, conversation);
          return { conversation: conversationView(conversation), created };
        }
        if (others.length + 1 > CHAT_LIMITS.maxGroupMembers)
          throw new AppError("VALIDATION_ERROR", "Too many members.", [{ field: "member_ids", message: `at most ${CHAT_LIMITS.maxGroupMembers} members` }]);
        const conversation = await db.conversations.createGroup({ createdBy: userId, name: body.name ?? null, memberIds: others, encryption: body.encryption });
        await syncRoom(env, conversation);
        return { conversation: conversationView(conversation), created: true };
      },
      executionCtx,
    );
  });
}

export function getConversationRpc(env: ChatEnv, rpc: RpcContext, conversationId: ConversationId, executionCtx: WaitUntil): Promise<Result<ConversationView>> {
  return toResult(async () => {
    const { userId } = verifiedCaller(rpc);
    const id = parseInput(conversationIdSchema, conversationId);
    return withDb(env, async (db) => conversationView(await visibleConversation(db, id, userId)), executionCtx);
  });
}

export function listConversationsRpc(env: ChatEnv, rpc: RpcContext, query: ListConversationsInput, executionCtx: WaitUntil): Promise<Result<ConversationPage>> {
  return toResult(async () => {
    const { userId } = verifiedCaller(rpc);
    const q = parseInput(listConversationsQuerySchema, query);
    const before = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
    if (before === null) throw new AppError("VALIDATION_ERROR", "The cursor is not valid.", [{ field: "cursor", message: "not a cursor from this API" }]);
    const { rows, mutes } = await withDb(
      env,
      async (db) => {
        const found = await db.conversations.listForUser(userId, { limit: q.limit + 1, ...(before ? { before } : {}) });
        return {
          rows: found,
          mutes: await db.accountControls.mutesOf(
            userId,
            found.map((c) => c.id),
          ),
        };
      },
      executionCtx,
    );
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    const hasMore = rows.length > q.limit;
    return {
      conversations: page.map((c) => ({ ...conversationListItemView(c), muted: mutes.has(c.id), muted_until: mutes.get(c.id) ?? null })),
      has_more: hasMore,
      next_cursor: hasMore && last ? encodeCursor(last) : null,
    };
  });
}

function canManage(role: MemberRole | undefined): boolean {
  return role === "owner" || role === "admin";
}

export function addMembersRpc(env: ChatEnv, rpc: RpcContext, input: AddMembersInput, executionCtx: WaitUntil): Promise<Result<ConversationView>> {
  return toResult(async () => {
    const { userId } = verifiedCaller(rpc);
    const { conversationId, user_ids } = parseInput(addMembersInputSchema, input);
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
      executionCtx,
    );
  });
}

/** A group's new name (owner or admin), announced to every member's devices; a direct conversation has none to change. */
export function renameConversationRpc(env: ChatEnv, rpc: RpcContext, input: RenameInput, executionCtx: WaitUntil): Promise<Result<ConversationView>> {
  return toResult(async () => {
    const { userId } = verifiedCaller(rpc);
    const { conversationId, name } = parseInput(renameInputSchema, input);
    return withDb(
      env,
      async (db) => {
        const conversation = await visibleConversation(db, conversationId, userId);
        if (conversation.type === "direct") throw new AppError("FORBIDDEN", "A direct conversation has no name to change.");
        if (!canManage(conversation.members.find((m) => m.userId === userId)?.role))
          throw new AppError("FORBIDDEN", "Only a group owner or admin can rename it.");
        await db.conversations.rename(conversationId, name);
        const renamed = await visibleConversation(db, conversationId, userId);
        // After the database: a member's list loaded after the event has the new name too.
        await announceRename(env, conversationId, renamed.name ?? name);
        return conversationView(renamed);
      },
      executionCtx,
    );
  });
}

export function removeMemberRpc(env: ChatEnv, rpc: RpcContext, input: MemberTarget, executionCtx: WaitUntil): Promise<Result<null>> {
  return toResult(async () => {
    const { userId } = verifiedCaller(rpc);
    const { conversationId, targetUserId } = parseInput(memberTargetSchema, input);
    await withDb(env, async (db) => leaveOrRemove(env, db, await visibleConversation(db, conversationId, userId), userId, targetUserId), executionCtx);
    return null;
  });
}

export function setMemberRoleRpc(env: ChatEnv, rpc: RpcContext, input: SetRoleInput, executionCtx: WaitUntil): Promise<Result<ConversationView>> {
  return toResult(async () => {
    const { userId } = verifiedCaller(rpc);
    const { conversationId, targetUserId, role } = parseInput(setRoleInputSchema, input);
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
      executionCtx,
    );
  });
}
