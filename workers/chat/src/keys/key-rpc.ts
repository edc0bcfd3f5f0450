import {
  keyBundleRequestSchema,
  keyDeviceIdSchema,
  keyUploadSchema,
  type KeyBundle,
  type KeyBundleRequest,
  type KeyDeviceId,
  type KeyUpload,
  type PrekeyCount,
} from "../../../../lib/contracts/keys";
import { withDb } from "../../../../lib/db";
import { toResult, type Result } from "../../../../lib/result";
import { parseInput, verifiedCaller, type RpcContext, type WaitUntil } from "../../../../lib/rpc";
import { countPrekeys, fetchBundle, uploadKeys, type KeyDirectoryDeps } from "./key-directory";
import { prekeysLowSender } from "./prekeys-low";

/**
 * The key directory's RPC bodies; `ChatService` delegates each method here in one line. Inputs
 * are validated again (the gateway is the only caller, but a service trusts no caller's shapes).
 */

/** Opens the database for one call and wires the prekeys_low signal to the PUSH queue and the device's stream. */
function withDirectory<T>(env: ChatEnv, requestId: string, executionCtx: WaitUntil, body: (deps: KeyDirectoryDeps) => Promise<T>): Promise<T> {
  return withDb(env, (db) => body({ repo: db.keys, signalLow: prekeysLowSender(env, requestId) }), executionCtx);
}

export function uploadKeysRpc(env: ChatEnv, rpc: RpcContext, input: KeyUpload, executionCtx: WaitUntil): Promise<Result<null>> {
  return toResult(async () => {
    const { userId, requestId } = verifiedCaller(rpc);
    const upload = parseInput(keyUploadSchema, input);
    await withDirectory(env, requestId, executionCtx, (deps) => uploadKeys(deps, userId, upload));
    return null;
  });
}

export function countPrekeysRpc(env: ChatEnv, rpc: RpcContext, deviceId: KeyDeviceId, executionCtx: WaitUntil): Promise<Result<PrekeyCount>> {
  return toResult(async () => {
    const { userId, requestId } = verifiedCaller(rpc);
    const device = parseInput(keyDeviceIdSchema, deviceId);
    return withDirectory(env, requestId, executionCtx, (deps) => countPrekeys(deps, userId, device));
  });
}

export function fetchKeyBundleRpc(env: ChatEnv, rpc: RpcContext, input: KeyBundleRequest, executionCtx: WaitUntil): Promise<Result<KeyBundle>> {
  return toResult(async () => {
    const { requestId } = verifiedCaller(rpc);
    const request = parseInput(keyBundleRequestSchema, input);
    return withDirectory(env, requestId, executionCtx, (deps) => fetchBundle(deps, request));
  });
}
