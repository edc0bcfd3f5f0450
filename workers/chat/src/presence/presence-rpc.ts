import { presenceUserIdsSchema, type PresenceList, type PresenceUserIds } from "../../../../lib/contracts/chat-rpc";
import { withDb } from "../../../../lib/db";
import { toResult, type Result } from "../../../../lib/result";
import { parseInput, verifiedCaller, type RpcContext } from "../../../../lib/rpc";
import { presenceOf } from "./presence-shards";

/** Users who block the caller, or whom the caller blocks, read as offline with no last seen (controls/blocks.ts). */
export function presenceRpc(env: ChatEnv, rpc: RpcContext, userIds: PresenceUserIds): Promise<Result<PresenceList>> {
  return toResult(async () => {
    const { userId } = verifiedCaller(rpc);
    const ids = [...new Set(parseInput(presenceUserIdsSchema, userIds))];
    const [presence, hidden] = await Promise.all([presenceOf(env, ids), withDb(env, (db) => db.accountControls.hiddenFrom(userId, ids))]);
    return { presence: presence.map((p) => (hidden.has(p.user_id) ? { user_id: p.user_id, status: "offline" as const, last_seen_at: null } : p)) };
  });
}
