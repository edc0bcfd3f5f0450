/**
 * Blocking (issue 21). A block is stored in the database (user_blocks) and enforced where the
 * blocked user could reach the blocker:
 * - a new direct conversation between the two is refused (403), either way round;
 * - an existing direct conversation becomes read-only for both (the room refuses sends, reactions
 *   and typing with 403 and relays no read or presence frames), until the block is lifted;
 * - presence and last seen read as offline / null, both ways;
 * - in every room the pair shares (groups too) neither hears the other's presence, typing or read
 *   frames, and a call by either rings the other nowhere (rooms/room-blocks.ts, told here);
 * - pushes caused by the blocked user (messages in shared groups, calls) never reach the blocker,
 *   nor a blocker's call the blocked user (the push consumer drops them: push/unwanted.ts);
 * - in shared groups the messages are still delivered; the blocker's copy is marked
 *   `sender_blocked` (sockets, replay, history) so clients hide it.
 * What it leaks compared with Signal's is written down in the chat README ("Blocking").
 */
import { blockTargetSchema, type BlockEnvelope, type BlockList, type BlockTarget } from "../../../../lib/contracts/account-controls";
import { withDb, type Database } from "../../../../lib/db";
import { AppError } from "../../../../lib/errors";
import { mapBounded } from "../../../../lib/map-bounded";
import { toResult, unwrap, type Result } from "../../../../lib/result";
import { durableObjectByName, parseInput, verifiedCaller, type RpcContext, type WaitUntil } from "../../../../lib/rpc";

/** Rooms told of one block change at a time: a user in hundreds of shared groups costs that many RPCs, a few at once. */
const SYNC_CONCURRENCY = 8;

/**
 * Tells every conversation the pair shares (their direct one and their groups) that `blockerId`
 * now blocks `blockedId` or no longer does; each room filters its frames by it (rooms/room-blocks.ts).
 * Every room is tried; the first failure is thrown after, so the caller's retry (idempotent) heals it.
 */
async function syncSharedRooms(env: ChatEnv, db: Database, blockerId: string, blockedId: string, on: boolean): Promise<void> {
  const conversationIds = await db.accountControls.sharedConversationIds(blockerId, blockedId);
  const failures: unknown[] = [];
  await mapBounded(conversationIds, SYNC_CONCURRENCY, async (conversationId) => {
    try {
      unwrap(await durableObjectByName(env.CONVERSATION_ROOM, conversationId).blockChanged(conversationId, blockerId, blockedId, on));
    } catch (err) {
      failures.push(err);
    }
  });
  if (failures.length > 0) throw failures[0];
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
        // Also when the block already existed: a retry after a failed sync brings the rooms up to date.
        await syncSharedRooms(env, db, userId, target, true);
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
        await db.accountControls.unblock(userId, target);
        // Also when there was no block: a retry after a failed sync brings the rooms up to date.
        await syncSharedRooms(env, db, userId, target, false);
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
