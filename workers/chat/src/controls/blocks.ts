/**
 * Blocking (issue 21). A block is stored in the database (user_blocks) and enforced where the
 * blocked user could reach the blocker:
 * - a new direct conversation between the two is refused (403), either way round;
 * - an existing direct conversation becomes read-only for both (the room refuses sends, reactions
 *   and typing with 403 and relays no read or presence frames), until the block is lifted;
 * - presence and last seen read as offline / null, both ways;
 * - pushes caused by the blocked user (messages in shared groups, calls) never reach the blocker
 *   (the push consumer drops them), and a call to the blocker rings nobody there;
 * - in shared groups the messages are still delivered: clients hide them by the caller's block list.
 * What it leaks compared with Signal's is written down in the chat README ("Blocking").
 */
import { blockTargetSchema, type BlockEnvelope, type BlockList, type BlockTarget } from "../../../../lib/contracts/account-controls";
import { withDb, type Database } from "../../../../lib/db";
import { AppError } from "../../../../lib/errors";
import { toResult, unwrap, type Result } from "../../../../lib/result";
import { durableObjectByName, parseInput, verifiedCaller, type RpcContext, type WaitUntil } from "../../../../lib/rpc";

/** Tells the pair's direct room (if they have one) whether it is blocked now. */
async function syncDirectRoom(env: ChatEnv, db: Database, a: string, b: string): Promise<void> {
  const conversationId = await db.accountControls.directConversationId(a, b);
  if (!conversationId) return;
  const blocked = await db.accountControls.blockedEitherWay(a, b);
  unwrap(await durableObjectByName(env.CONVERSATION_ROOM, conversationId).setBlocked(conversationId, blocked));
}

export function blockUserRpc(env: ChatEnv, rpc: RpcContext, input: BlockTarget, executionCtx: WaitUntil): Promise<Result<BlockEnvelope>> {
  return toResult(async () => {
    const { userId } = verifiedCaller(rpc);
    const { user_id: target } = parseInput(blockTargetSchema, input);
    if (target === userId) throw new AppError("VALIDATION_ERROR", "You cannot block yourself.", [{ field: "user_id", message: "is you" }]);
    return withDb(
      env,
      async (db) => {
        if (!(await db.users.findById(target))) throw new AppError("NOT_FOUND", "No such user.");
        await db.accountControls.block(userId, target);
        await syncDirectRoom(env, db, userId, target);
        const row = (await db.accountControls.listBlocked(userId)).find((b) => b.blockedId === target);
        return { block: { user_id: target, created_at: row?.createdAt ?? new Date().toISOString() } };
      },
      executionCtx,
    );
  });
}

/** Idempotent: unblocking someone not blocked (or unknown) is a quiet success. */
export function unblockUserRpc(env: ChatEnv, rpc: RpcContext, input: BlockTarget, executionCtx: WaitUntil): Promise<Result<null>> {
  return toResult(async () => {
    const { userId } = verifiedCaller(rpc);
    const { user_id: target } = parseInput(blockTargetSchema, input);
    await withDb(
      env,
      async (db) => {
        if (await db.accountControls.unblock(userId, target)) await syncDirectRoom(env, db, userId, target);
      },
      executionCtx,
    );
    return null;
  });
}

export function listBlocksRpc(env: ChatEnv, rpc: RpcContext, executionCtx: WaitUntil): Promise<Result<BlockList>> {
  return toResult(async () => {
    const { userId } = verifiedCaller(rpc);
    const rows = await withDb(env, (db) => db.accountControls.listBlocked(userId), executionCtx);
    return { blocks: rows.map((b) => ({ user_id: b.blockedId, created_at: b.createdAt })) };
  });
}
