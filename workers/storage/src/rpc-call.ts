import { withDb } from "../../../lib/db";
import { toResult, type Result } from "../../../lib/result";
import { verifiedCaller, type RpcContext, type WaitUntil } from "../../../lib/rpc";
import type { StorageCall } from "./context";

/**
 * One authenticated storage operation: checks the RPC context names a verified caller, opens the
 * database for the call and turns AppErrors into a failed Result (the RPC error path).
 */
export function storageCall<T>(env: StorageEnv, rpc: RpcContext, executionCtx: WaitUntil, body: (call: StorageCall) => Promise<T>): Promise<Result<T>> {
  return toResult(async () => {
    const { userId, origin, requestId } = verifiedCaller(rpc);
    return withDb(env, (db) => body({ env, db, userId, origin, requestId, now: new Date() }), executionCtx);
  });
}
