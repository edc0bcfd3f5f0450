import type { ConversationWithMembers, Database } from "../../../../lib/db";
import { AppError } from "../../../../lib/errors";
import { durableObjectByName } from "../../../../lib/rpc";

/**
 * Tells the conversation's room the full member list, so a change (add, remove, leave, role)
 * takes effect there at once: removed members' sockets close and their next frame or REST call is
 * refused, and every member's devices hear of it (device-fanout.ts). The list is absolute, so a
 * repeated sync is harmless.
 */
export async function syncRoom(env: ChatEnv, conversation: ConversationWithMembers): Promise<void> {
  const result = await durableObjectByName(env.CONVERSATION_ROOM, conversation.id).syncMembers(
    { conversationId: conversation.id, type: conversation.type, encryption: conversation.encryption },
    conversation.members.map((m) => ({ userId: m.userId, role: m.role })),
    conversation.name,
  );
  if (!result.ok) throw AppError.from(result.error);
}

/**
 * `DELETE /members/{user_id}`: removing yourself is leaving (any member of a group); removing
 * someone else needs owner, or admin for plain members. An owner who leaves hands ownership to the
 * longest-standing admin, else the longest-standing member, so a group is never ownerless.
 */
export async function leaveOrRemove(env: ChatEnv, db: Database, conversation: ConversationWithMembers, callerId: string, targetId: string): Promise<void> {
  if (conversation.type === "direct") throw new AppError("FORBIDDEN", "A direct conversation always has exactly two members.");
  const caller = conversation.members.find((m) => m.userId === callerId);
  const target = conversation.members.find((m) => m.userId === targetId);
  if (!caller) throw new AppError("NOT_FOUND", "No such conversation.");
  if (!target) throw new AppError("NOT_FOUND", "No such member.");
  if (callerId !== targetId) {
    const allowed = caller.role === "owner" || (caller.role === "admin" && target.role === "member");
    if (!allowed) throw new AppError("FORBIDDEN", "Only the owner, or an admin for plain members, can remove someone.");
  }
  const rest = conversation.members.filter((m) => m.userId !== targetId);
  const heir = target.role === "owner" ? (rest.find((m) => m.role === "admin") ?? rest[0]) : undefined;
  const remaining = rest.map((m) => (m.userId === heir?.userId ? { ...m, role: "owner" as const } : m));
  // The room first: if anything below fails, the room is stricter than the database (the removed
  // member is already locked out), never the other way round. A retry converges both.
  await syncRoom(env, { ...conversation, members: remaining });
  if (heir) await db.conversations.setRole(conversation.id, heir.userId, "owner");
  await db.conversations.removeMember(conversation.id, targetId);
}

/** Tells the group's room its new name, which the room publishes to every member's devices. */
export async function announceRename(env: ChatEnv, conversationId: string, name: string): Promise<void> {
  const result = await durableObjectByName(env.CONVERSATION_ROOM, conversationId).renamed(conversationId, name);
  if (!result.ok) throw AppError.from(result.error);
}
