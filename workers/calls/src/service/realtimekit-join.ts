import type { RealtimeKitJoin } from "../../../../lib/contracts/calls";
import { unwrap } from "../../../../lib/result";
import { durableObjectByName, type AuthedContext } from "../../../../lib/rpc";
import type { GroupProvider } from "../config";
import { addParticipant, createMeeting } from "../sfu/realtimekit-api";

/**
 * RealtimeKit for a group call: the call's meeting (created by the first joiner, recorded in the
 * room; a racing second meeting is simply unused) and a participant token for this user. Ringing,
 * the call log and admission stay ours: only users the room let in get here.
 */
export async function realtimeKitTokenFor(
  env: CallsEnv,
  provider: Extract<GroupProvider, { kind: "realtimekit" }>,
  rpc: AuthedContext,
  callId: string,
): Promise<RealtimeKitJoin> {
  const room = durableObjectByName(env.CALL_ROOM, callId);
  let meetingId = unwrap(await room.meeting(rpc.userId));
  if (!meetingId) {
    const created = await createMeeting(provider, callId, rpc.requestId);
    meetingId = unwrap(await room.meeting(rpc.userId, created)) ?? created;
  }
  const authToken = await addParticipant(provider, meetingId, rpc.userId, rpc.requestId);
  return { meeting_id: meetingId, auth_token: authToken };
}
