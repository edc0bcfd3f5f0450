import * as z from "zod";
import { CHAT_LIMITS, idSchema, type PresenceView } from "../../../../lib/contracts/chat";
import { toResult, type Result } from "../../../../lib/result";
import type { RpcContext } from "../../../../lib/rpc";
import { callerOf, parseInput } from "../rpc-input";
import { presenceOf } from "./presence-shards";

export function presenceRpc(ctx: RpcContext, env: ChatEnv, userIds: unknown): Promise<Result<{ presence: PresenceView[] }>> {
  return toResult(async () => {
    callerOf(ctx);
    const ids = parseInput(z.array(idSchema).min(1).max(CHAT_LIMITS.maxUserIdsPerCall), userIds);
    return { presence: await presenceOf(env, [...new Set(ids)]) };
  });
}
