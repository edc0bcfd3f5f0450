import { CALL_LIMITS, callHistoryQuerySchema, type CallHistoryQuery, type CallView } from "../../../../lib/contracts/calls";
import type { CallList, CallResponse, CallTarget } from "../../../../lib/contracts/calls-rpc";
import { withDb, type CallWithParticipants } from "../../../../lib/db";
import { AppError } from "../../../../lib/errors";
import { unwrap } from "../../../../lib/result";
import { parseInput, type AuthedContext } from "../../../../lib/rpc";
import { requireCallAccess } from "./call-access";
import { callIdOf } from "./call-target";

/** A persisted call in the API's shape. */
export function callFromLog(row: CallWithParticipants): CallView {
  return {
    id: row.id,
    conversation_id: row.conversationId,
    type: row.type,
    status: row.status,
    initiator_id: row.initiatorId,
    participants: row.participants.map((p) => ({ user_id: p.userId, joined_at: p.joinedAt, left_at: p.leftAt, outcome: p.outcome })),
    created_at: row.createdAt,
    started_at: row.startedAt,
    ended_at: row.endedAt,
    duration_seconds: row.durationSeconds,
    end_reason: row.endReason,
  };
}

/** `GET /v1/calls/{id}` from the call log: invitees still in the conversation only, NOT_FOUND for anybody else. */
export async function getCall(env: CallsEnv, rpc: AuthedContext, input: CallTarget): Promise<CallResponse> {
  const row = await requireCallAccess(env, rpc, callIdOf(input), "get");
  return { call: callFromLog(row) };
}

/** `GET /v1/calls?conversation_id=&limit=`: the conversation's calls, newest first, `missed` for the caller. */
export async function history(env: CallsEnv, rpc: AuthedContext, input: CallHistoryQuery): Promise<CallList> {
  const query = parseInput(callHistoryQuerySchema, input);
  const { conversation_id: conversationId, before } = query;
  const limit = query.limit ?? CALL_LIMITS.historyDefaultLimit;
  const member = unwrap(await env.CHAT.isMember(rpc, { conversationId, userId: rpc.userId }));
  if (!member.member) throw new AppError("NOT_FOUND", "No such conversation.");
  const rows = await withDb(env, (db) => db.calls.listForConversation(conversationId, rpc.userId, { limit: limit + 1, ...(before ? { before } : {}) }));
  return {
    calls: rows.slice(0, limit).map((row) => ({ ...callFromLog(row), missed: row.missed })),
    has_more: rows.length > limit,
  };
}
