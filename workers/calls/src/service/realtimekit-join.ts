import type { RealtimeKitJoin } from "../../../../lib/contracts/calls";
import { unwrap } from "../../../../lib/result";
import type { AuthedContext } from "../../../../lib/rpc";
import type { GroupProvider } from "../config";
import { addParticipant, createMeeting } from "../sfu/realtimekit-api";
import { roomOf } from "./room-of";

/**
 * RealtimeKit for a group call: the call's meeting (created by the first joiner, recorded in the
 * room; a racing second meeting is simply unused) and a participant token for this user. Ringing,
 * the call log and admission stay ours: only users the room let in get here.
 */
export async function realtimeKitTokenFor(
  env: CallsEnv,
  provider: Extract<GroupProvider, { kind: "realtimekit" }>,
  ctx: AuthedContext,
  callId: string,
): Promise<RealtimeKitJoin> {
  const room = roomOf(env, callId);
  let meetingId = unwrap(await room.meeting(ctx.userId));
  if (!meetingId) {
    const created = await createMeeting(provider, callId, ctx.requestId);
    meetingId = unwrap(await room.meeting(ctx.userId, created)) ?? created;
  }
  const authToken = await addParticipant(provider, meetingId, ctx.userId, ctx.requestId);
  return { meeting_id: meetingId, auth_token: authToken };
}
