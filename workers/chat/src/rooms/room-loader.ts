import { withDb } from "../../../../lib/db";
import { AppError } from "../../../../lib/errors";
import type { RoomIdentity, RoomMember } from "./room-members";

/** The conversation and its members from the database, for a room that has never been told. */
/** `blocked`: a direct conversation one of whose members blocks the other (controls/blocks.ts). */
export async function loadRoomIdentity(env: ChatEnv, conversationId: string): Promise<{ identity: RoomIdentity; members: RoomMember[]; blocked: boolean }> {
  return withDb(env, async (db) => {
    const conversation = await db.conversations.get(conversationId);
    if (!conversation) throw new AppError("NOT_FOUND", "No such conversation.");
    const [a, b] = conversation.members;
    const blocked = conversation.type === "direct" && a !== undefined && b !== undefined && (await db.accountControls.blockedEitherWay(a.userId, b.userId));
    return {
      identity: { conversationId: conversation.id, type: conversation.type, encryption: conversation.encryption },
      members: conversation.members.map((m) => ({ userId: m.userId, role: m.role })),
      blocked,
    };
  });
}
