/**
 * Muting a conversation, per user, with an optional end (issue 21): messages are still delivered
 * (sockets, device streams, history); only pushes stop (the push consumer drops them) until the
 * end time or an unmute. The conversation list shows it (`muted`, `muted_until`).
 */
import { MUTE_MAX_MS, muteInputSchema, type MuteEnvelope, type MuteInput } from "../../../../lib/contracts/account-controls";
import { conversationIdSchema, type ConversationId } from "../../../../lib/contracts/chat-rpc";
import { withDb } from "../../../../lib/db";
import { AppError } from "../../../../lib/errors";
import { toResult, type Result } from "../../../../lib/result";
import { parseInput, verifiedCaller, type RpcContext, type WaitUntil } from "../../../../lib/rpc";
import { visibleConversation } from "../conversations/conversation-rpc";

/** The end time as stored (UTC, ms precision), or null; in the past or too far ahead is a 400. */
function muteEnd(until: string | null | undefined, now = Date.now()): string | null {
  if (until === undefined || until === null) return null;
  const at = Date.parse(until);
  if (!(at > now) || at - now > MUTE_MAX_MS)
    throw new AppError("VALIDATION_ERROR", "A mute ends in the future, at most a year ahead.", [{ field: "until", message: "in the past or too far ahead" }]);
  return new Date(at).toISOString();
}

export function muteConversationRpc(env: ChatEnv, rpc: RpcContext, input: MuteInput, executionCtx: WaitUntil): Promise<Result<MuteEnvelope>> {
  return toResult(async () => {
    const { userId } = verifiedCaller(rpc);
    const body = parseInput(muteInputSchema, input);
    const until = muteEnd(body.until);
    return withDb(
      env,
      async (db) => {
        await visibleConversation(db, body.conversationId, userId);
        await db.accountControls.mute(body.conversationId, userId, until);
        return { mute: { conversation_id: body.conversationId, until } };
      },
      executionCtx,
    );
  });
}

export function unmuteConversationRpc(env: ChatEnv, rpc: RpcContext, conversationId: ConversationId, executionCtx: WaitUntil): Promise<Result<null>> {
  return toResult(async () => {
    const { userId } = verifiedCaller(rpc);
    const id = parseInput(conversationIdSchema, conversationId);
    await withDb(
      env,
      async (db) => {
        await visibleConversation(db, id, userId);
        await db.accountControls.unmute(id, userId);
      },
      executionCtx,
    );
    return null;
  });
}
