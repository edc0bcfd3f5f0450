import { withDb, type CallWithParticipants } from "../../../../lib/db";
import { AppError } from "../../../../lib/errors";
import { log } from "../../../../lib/log";
import { unwrap } from "../../../../lib/result";
import type { AuthedContext } from "../../../../lib/rpc";

/**
 * Who may see or use a call: one of its invitees (the conversation's members when it started) who is
 * STILL a member of the conversation, asked of the chat worker on every request (as for starting a
 * call), so removing someone from a group shuts them out of its running call at once. Anybody else
 * gets NOT_FOUND, before any configuration check, so an outsider learns nothing about the call.
 * Joining an open call is also open to a current member who was not invited (added to the group
 * after the call started).
 */
export async function requireCallAccess(env: CallsEnv, rpc: AuthedContext, callId: string, action: string): Promise<CallWithParticipants> {
  const row = await withDb(env, (db) => db.calls.get(callId));
  // A member added to a group after the call started may join it while it is open (they were rung on add).
  const invited = row?.participants.some((p) => p.userId === rpc.userId) ?? false;
  const lateJoin = action === "join" && row !== null && row.status !== "ended";
  if (!row || (!invited && !lateJoin)) throw new AppError("NOT_FOUND", "No such call.");
  const { member } = unwrap(await env.CHAT.isMember(rpc, { conversationId: row.conversationId, userId: rpc.userId }));
  if (!member) {
    log({ event: "call_refused", call_id: callId, user_id: rpc.userId, action, reason: "not_a_member" }, "warn");
    throw new AppError("NOT_FOUND", "No such call.");
  }
  return row;
}
