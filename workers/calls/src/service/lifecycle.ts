import { CALL_LIMITS, initiateCallBodySchema, type CallJoinResponse, type CallView, type IceServer } from "../../../../lib/contracts/calls";
import { AppError, detailsFromZod } from "../../../../lib/errors";
import { newId } from "../../../../lib/ids";
import { unwrap } from "../../../../lib/result";
import type { AuthedContext } from "../../../../lib/rpc";
import { groupProvider, iceMode, type CallsConfigEnv } from "../config";
import { iceServersFor } from "../ice/ice-servers";
import { requireCallAccess } from "./call-access";
import { realtimeKitTokenFor } from "./realtimekit-join";
import { parseCallId, roomOf } from "./room-of";

type Env = CallsEnv & CallsConfigEnv;

async function requireMember(env: Env, ctx: AuthedContext, conversationId: string): Promise<void> {
  const answer = unwrap(await env.CHAT.isMember(ctx, { conversationId, userId: ctx.userId }));
  if (!answer.member) throw new AppError("NOT_FOUND", "No such conversation.");
}

/** What a caller (initiate) or callee (join) receives: the call, ICE servers, and RealtimeKit access for group calls. */
async function joinAnswer(env: Env, ctx: AuthedContext, call: CallView, iceServers: IceServer[]): Promise<CallJoinResponse> {
  const provider = groupProvider(env);
  const group = call.participants.length > 2;
  if (provider.kind !== "realtimekit" || !group) return { call, ice_servers: iceServers };
  const realtimekit = await realtimeKitTokenFor(env, provider, ctx, call.id);
  return { call, ice_servers: iceServers, realtimekit };
}

/**
 * Starts a call: members only (404 otherwise); one open call per conversation (409 while another
 * rings or runs — the conversation's line, a CallRoom named `line:<id>`, decides atomically).
 */
export async function initiate(env: Env, ctx: AuthedContext, input: unknown): Promise<CallJoinResponse> {
  const parsed = initiateCallBodySchema.safeParse(input);
  if (!parsed.success) throw new AppError("VALIDATION_ERROR", "The request is not valid.", detailsFromZod(parsed.error));
  const body = parsed.data;
  await requireMember(env, ctx, body.conversation_id);
  const { userIds } = unwrap(await env.CHAT.members(ctx, body.conversation_id));
  if (!userIds.some((id) => id !== ctx.userId)) throw new AppError("CONFLICT", "There is nobody else in this conversation to call.");

  // ICE first: a caller who cannot get media credentials should not set anybody's phone ringing.
  const ice = await iceServersFor(iceMode(env), ctx.userId, ctx.requestId);
  const callId = newId();
  const line = roomOf(env, `line:${body.conversation_id}`);
  const claim = await line.claimLine(callId);
  if (!claim.claimed) throw new AppError("CONFLICT", `A call is already ringing or active in this conversation (${claim.openCallId}).`);
  let call: CallView;
  try {
    call = unwrap(
      await roomOf(env, callId).start({
        callId,
        conversationId: body.conversation_id,
        type: body.type,
        initiatorId: ctx.userId,
        memberIds: userIds,
        ringTimeoutSeconds: body.ring_timeout_seconds ?? CALL_LIMITS.ringTimeoutDefaultSeconds,
        requestId: ctx.requestId,
      }),
    );
  } catch (err) {
    await line.releaseLine(callId);
    throw err;
  }
  try {
    return await joinAnswer(env, ctx, call, ice.ice_servers);
  } catch (err) {
    // The caller never learns this call's id: hang it up rather than leave it ringing.
    await roomOf(env, callId).end(ctx.userId, ctx.requestId);
    throw err;
  }
}

export async function join(env: Env, ctx: AuthedContext, input: { callId: unknown }): Promise<CallJoinResponse> {
  const callId = parseCallId(input.callId);
  await requireCallAccess(env, ctx, callId, "join");
  const ice = await iceServersFor(iceMode(env), ctx.userId, ctx.requestId);
  const call = unwrap(await roomOf(env, callId).join(ctx.userId, ctx.requestId));
  return joinAnswer(env, ctx, call, ice.ice_servers);
}

export type SimpleTransition = "decline" | "leave" | "end";

/**
 * Decline and leave only take the caller out, so a member removed from the conversation may still
 * do them; ending a call for everybody needs current membership.
 */
export async function transition(env: Env, ctx: AuthedContext, action: SimpleTransition, input: { callId: unknown }): Promise<{ call: CallView }> {
  const callId = parseCallId(input.callId);
  if (action === "end") await requireCallAccess(env, ctx, callId, "end");
  const room = roomOf(env, callId);
  const result =
    action === "decline"
      ? await room.decline(ctx.userId, ctx.requestId)
      : action === "leave"
        ? await room.leave(ctx.userId, ctx.requestId)
        : await room.end(ctx.userId, ctx.requestId);
  return { call: unwrap(result) };
}
