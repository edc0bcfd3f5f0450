import { presenceUserIdsSchema, type PresenceList, type PresenceUserIds } from "../../../../lib/contracts/chat-rpc";
import { toResult, type Result } from "../../../../lib/result";
import { parseInput, verifiedCaller, type RpcContext } from "../../../../lib/rpc";
import { presenceOf } from "./presence-shards";

export function presenceRpc(env: ChatEnv, rpc: RpcContext, userIds: PresenceUserIds): Promise<Result<PresenceList>> {
  return toResult(async () => {
    verifiedCaller(rpc);
    const ids = parseInput(presenceUserIdsSchema, userIds);
    return { presence: await presenceOf(env, [...new Set(ids)]) };
  });
}
