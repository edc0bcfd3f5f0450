import { mlsGroupInputSchema, type MlsGroupInput } from "../../../../lib/contracts/chat-rpc";
import { MLS_LIMITS, type MlsDeviceList } from "../../../../lib/contracts/mls";
import { withDb } from "../../../../lib/db";
import { AppError } from "../../../../lib/errors";
import { toResult, type Result } from "../../../../lib/result";
import { parseInput, verifiedCaller, type RpcContext, type WaitUntil } from "../../../../lib/rpc";

/**
 * The devices an `mls` conversation's group must hold as leaves, read from the database (the member
 * list and the sessions), never from a cache: a client that commits from this list removes every
 * leaf it does not name, so a stale list would drop a device that was just added. Members only
 * (404 otherwise, as for `GET …/mls`); the server still cannot see the group's leaves (commits are
 * encrypted), so comparing the two is the clients' job (client/src/e2ee/device-sync.ts).
 */
export function mlsDevicesRpc(env: ChatEnv, rpc: RpcContext, input: MlsGroupInput, executionCtx: WaitUntil): Promise<Result<MlsDeviceList>> {
  return toResult(async () => {
    const caller = verifiedCaller(rpc);
    const { conversationId } = parseInput(mlsGroupInputSchema, input);
    return withDb(
      env,
      async (db) => {
        const conversation = await db.conversations.get(conversationId);
        const memberIds = conversation?.members.map((m) => m.userId) ?? [];
        if (!conversation || conversation.encryption !== "mls" || !memberIds.includes(caller.userId)) {
          throw new AppError("NOT_FOUND", "No such encrypted conversation.");
        }
        const rows = await db.users.listSignedInDevices(memberIds);
        const perUser = new Map<string, number>();
        const devices = rows.flatMap((row) => {
          const seen = perUser.get(row.userId) ?? 0;
          perUser.set(row.userId, seen + 1);
          return seen < MLS_LIMITS.devicesPerUser ? [{ user_id: row.userId, device_id: row.deviceId }] : [];
        });
        return { devices };
      },
      executionCtx,
    );
  });
}
