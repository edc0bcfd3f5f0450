import type * as z from "zod";
import { keyBundleRequestSchema, keyDeviceIdSchema, keyUploadSchema, type KeyBundle, type PrekeyCount } from "../../../../lib/contracts/keys";
import type { PushJob } from "../../../../lib/contracts/queues";
import { withDb } from "../../../../lib/db";
import { AppError, detailsFromZod } from "../../../../lib/errors";
import { toResult, type Result } from "../../../../lib/result";
import { rpcContextSchema, type AuthedContext } from "../../../../lib/rpc";
import { countPrekeys, fetchBundle, uploadKeys, type KeyDirectoryDeps } from "./key-directory";
import { prekeysLowSender } from "./prekeys-low";

/**
 * The key directory's RPC bodies; `ChatService` delegates each method here in one line. Inputs
 * are validated again (the gateway is the only caller, but a service trusts no caller's shapes).
 */
type WaitUntil = { waitUntil(promise: Promise<unknown>): void };

function parse<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new AppError("VALIDATION_ERROR", "The request is not valid.", detailsFromZod(parsed.error));
  return parsed.data;
}

function callerOf(ctx: AuthedContext): { userId: string; requestId: string } {
  const parsed = parse(rpcContextSchema, ctx);
  if (parsed.userId === undefined) throw new AppError("UNAUTHORIZED", "A valid access token is required.");
  return { userId: parsed.userId, requestId: parsed.requestId };
}

/** Opens the database for one call and wires the prekeys_low signal to the PUSH queue. */
function withDirectory<T>(env: ChatEnv, exec: WaitUntil, requestId: string, body: (deps: KeyDirectoryDeps) => Promise<T>): Promise<T> {
  const queue = env.PUSH_QUEUE as Queue<PushJob>;
  return withDb(env, (db) => body({ repo: db.keys, signalLow: prekeysLowSender(queue, requestId) }), exec);
}

export function uploadKeysRpc(env: ChatEnv, exec: WaitUntil, ctx: AuthedContext, input: unknown): Promise<Result<null>> {
  return toResult(async () => {
    const { userId, requestId } = callerOf(ctx);
    const upload = parse(keyUploadSchema, input);
    await withDirectory(env, exec, requestId, (deps) => uploadKeys(deps, userId, upload));
    return null;
  });
}

export function countPrekeysRpc(env: ChatEnv, exec: WaitUntil, ctx: AuthedContext, deviceId: unknown): Promise<Result<PrekeyCount>> {
  return toResult(async () => {
    const { userId, requestId } = callerOf(ctx);
    const device = parse(keyDeviceIdSchema, deviceId);
    return withDirectory(env, exec, requestId, (deps) => countPrekeys(deps, userId, device));
  });
}

export function fetchKeyBundleRpc(env: ChatEnv, exec: WaitUntil, ctx: AuthedContext, input: unknown): Promise<Result<KeyBundle>> {
  return toResult(async () => {
    const { requestId } = callerOf(ctx);
    const request = parse(keyBundleRequestSchema, input);
    return withDirectory(env, exec, requestId, (deps) => fetchBundle(deps, request));
  });
}
