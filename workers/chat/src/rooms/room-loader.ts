import { withDb } from "../../../../lib/db";
import { AppError } from "../../../../lib/errors";
import type { RoomIdentity, RoomMember } from "./room-members";

/** The conversation and its members from the database, for a room that has never been told. */
export async function loadRoomIdentity(env: ChatEnv, conversationId: string): Promise<{ identity: RoomIdentity; members: RoomMember[] }> {
  const conversation = await withDb(env, (db) => db.conversations.get(conversationId));
  if (!conversation) throw new AppError("NOT_FOUND", "No such conversation.");
  return {
    identity: { conversationId: conversation.id, type: conversation.type, encryption: conversation.encryption },
    members: conversation.members.map((m) => ({ userId: m.userId, role: m.role })),
  };
}
