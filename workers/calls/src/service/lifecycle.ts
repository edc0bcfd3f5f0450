import {
  CALL_LIMITS,
  initiateCallBodySchema,
  type CallJoinResponse,
  type CallView,
  type IceServer,
  type InitiateCallBody,
} from "../../../../lib/contracts/calls";
import type { CallResponse, CallTarget } from "../../../../lib/contracts/calls-rpc";
import { withDb } from "../../../../lib/db";
import { AppError } from "../../../../lib/errors";
import { newId } from "../../../../lib/ids";
import { forwardResult, mapOk, ok, unwrap, type Result } from "../../../../lib/result";
import { durableObjectByName, parseInput, type AuthedContext } from "../../../../lib/rpc";
import { groupProvider, iceMode, type CallsConfigEnv } from "../config";
import { iceServersFor } from "../ice/ice-servers";
import { requireCallAccess } from "./call-access";
import { callIdOf } from "./call-target";
import { realtimeKitTokenFor } from "./realtimekit-join";

type Env = CallsEnv & CallsConfigEnv;

async function requireMember(env: Env, rpc: AuthedContext, conversationId: string): Promise<void> {
  const answer = unwrap(await env.CHAT.isMember(rpc, { conversationId, userId: rpc.userId }));
  if (!answer.member) throw new AppError("NOT_FOUND", "No such conversation.");
}

/** What a caller (initiate) or callee (join) receives: the call, ICE servers, and RealtimeKit access for group calls. */
async function joinAnswer(env: Env, rpc: AuthedContext, call: CallView, iceServers: IceServer[]): Promise<CallJoinResponse> {
  const provider = groupProvider(env);
  const group = call.participants.length > 2;
  if (provider.kind !== "realtimekit" || !group) return { call, ice_servers: iceServers };
  const realtimekit = await realtimeKitTokenFor(env, provider, rpc, call.id);
  return { call, ice_servers: iceServers, realtimekit };
}

/**
 * Starts a call: members only (404 otherwise); one open call per conversation (409 while another
 * rings or runs — the conversation's line, a CallRoom named `line:<id>`, decides atomically).
 * The call room's refusal is the answer as it is.
 */
export function initiate(env: Env, rpc: AuthedContext, input: InitiateCallBody): Promise<Result<CallJoinResponse>> {
  return forwardResult(async () => {
    const body = parseInput(initiateCallBodySchema, input);
    await requireMember(env, rpc, body.conversation_id);
    const { userIds } = unwrap(await env.CHAT.members(rpc, body.conversation_id));
    const others = userIds.filter((id) => id !== rpc.userId);
    if (others.length === 0) throw new AppError("CONFLICT", "There is nobody else in this conversation to call.");
    // Blocks (issue 21): a call that could reach nobody but users blocked either way rings nobody; it is refused.
    const hidden = await withDb(env, (db) => db.accountControls.hiddenFrom(rpc.userId, others));
    if (others.every((id) => hidden.has(id))) throw new AppError("FORBIDDEN", "You cannot call this user.");

    // ICE first: a caller who cannot get media credentials should not set anybody's phone ringing.
    const ice = await iceServersFor(iceMode(env), rpc.userId, rpc.requestId);
    const callId = newId();
    const line = durableObjectByName(env.CALL_ROOM, `line:${body.conversation_id}`);
    const claim = await line.claimLine(callId);
    if (!claim.claimed) throw new AppError("CONFLICT", `A call is already ringing or active in this conversation (${claim.openCallId}).`);
    const room = durableObjectByName(env.CALL_ROOM, callId);
    let started: Result<CallView>;
    try {
      started = await room.start({
        callId,
        conversationId: body.conversation_id,
        type: body.type,
        initiatorId: rpc.userId,
        memberIds: userIds,
        ringTimeoutSeconds: body.ring_timeout_seconds ?? CALL_LIMITS.ringTimeoutDefaultSeconds,
        requestId: rpc.requestId,
      });
    } catch (err) {
      await line.releaseLine(callId);
      throw err;
    }
    if (!started.ok) {
      await line.releaseLine(callId);
      return started;
    }
    try {
      return ok(await joinAnswer(env, rpc, started.value, ice.ice_servers));
    } catch (err) {
      // The caller never learns this call's id: hang it up rather than leave it ringing.
      await room.end(rpc.userId, rpc.requestId);
      throw err;
    }
  });
}

export function join(env: Env, rpc: AuthedContext, input: CallTarget): Promise<Result<CallJoinResponse>> {
  return forwardResult(async () => {
    const callId = callIdOf(input);
    await requireCallAccess(env, rpc, callId, "join");
    const ice = await iceServersFor(iceMode(env), rpc.userId, rpc.requestId);
    const joined = await durableObjectByName(env.CALL_ROOM, callId).join({ userId: rpc.userId, deviceId: rpc.deviceId }, rpc.requestId);
    if (!joined.ok) return joined;
    return ok(await joinAnswer(env, rpc, joined.value, ice.ice_servers));
  });
}

export type SimpleTransition = "decline" | "leave" | "end";

/**
 * Decline and leave only take the caller out, so a member removed from the conversation may still
 * do them; ending a call for everybody needs current membership.
 */
export function transition(env: Env, rpc: AuthedContext, input: CallTarget, action: SimpleTransition): Promise<Result<CallResponse>> {
  return forwardResult(async () => {
    const callId = callIdOf(input);
    if (action === "end") await requireCallAccess(env, rpc, callId, "end");
    const room = durableObjectByName(env.CALL_ROOM, callId);
    const result =
      action === "decline"
        ? await room.decline({ userId: rpc.userId, deviceId: rpc.deviceId }, rpc.requestId)
        : action === "leave"
          ? await room.leave(rpc.userId, rpc.requestId)
          : await room.end(rpc.userId, rpc.requestId);
    return mapOk(result, (call) => ({ call }));
  });
}
