import type { PresenceStatus } from "../../../../lib/contracts/chat";
import { withDb } from "../../../../lib/db";
import { durableObjectByName } from "../../../../lib/rpc";

/** A user's most recently active conversations that hear about their presence changes. */
const ANNOUNCE_ROOMS = 100;

/** Tells each of the user's (most recently active) conversation rooms about a presence change. */
export async function announcePresence(env: ChatEnv, userId: string, status: PresenceStatus): Promise<void> {
  const conversationIds = await withDb(env, (db) => db.conversations.listIdsForUser(userId, ANNOUNCE_ROOMS));
  await Promise.all(conversationIds.map((id) => durableObjectByName(env.CONVERSATION_ROOM, id).presenceChanged(userId, status)));
}
