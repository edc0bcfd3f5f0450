import { CALL_LIMITS, callHistoryQuerySchema, type CallHistoryItemView, type CallView } from "../../../../lib/contracts/calls";
import { withDb, type CallWithParticipants } from "../../../../lib/db";
import { AppError, detailsFromZod } from "../../../../lib/errors";
import { unwrap } from "../../../../lib/result";
import type { AuthedContext } from "../../../../lib/rpc";
import { requireCallAccess } from "./call-access";
import { parseCallId } from "./room-of";

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
export async function getCall(env: CallsEnv, ctx: AuthedContext, input: { callId: unknown }): Promise<{ call: CallView }> {
  const row = await requireCallAccess(env, ctx, parseCallId(input.callId), "get");
  return { call: callFromLog(row) };
}

/** `GET /v1/calls?conversation_id=&limit=`: the conversation's calls, newest first, `missed` for the caller. */
export async function history(env: CallsEnv, ctx: AuthedContext, input: unknown): Promise<{ calls: CallHistoryItemView[]; has_more: boolean }> {
  const parsed = callHistoryQuerySchema.safeParse(input);
  if (!parsed.success) throw new AppError("VALIDATION_ERROR", "The request is not valid.", detailsFromZod(parsed.error));
  const { conversation_id: conversationId, before } = parsed.data;
  const limit = parsed.data.limit ?? CALL_LIMITS.historyDefaultLimit;
  const member = unwrap(await env.CHAT.isMember(ctx, { conversationId, userId: ctx.userId }));
  if (!member.member) throw new AppError("NOT_FOUND", "No such conversation.");
  const rows = await withDb(env, (db) => db.calls.listForConversation(conversationId, ctx.userId, { limit: limit + 1, ...(before ? { before } : {}) }));
  return {
    calls: rows.slice(0, limit).map((row) => ({ ...callFromLog(row), missed: row.missed })),
    has_more: rows.length > limit,
  };
}
