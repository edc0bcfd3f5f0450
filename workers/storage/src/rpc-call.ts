import type * as z from "zod";
import { withDb } from "../../../lib/db";
import { AppError, detailsFromZod } from "../../../lib/errors";
import { toResult, type Result } from "../../../lib/result";
import { rpcContextSchema } from "../../../lib/rpc";
import type { StorageCall } from "./context";

/** Validates an RPC input with its zod schema; a bad one is the caller's VALIDATION_ERROR. */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new AppError("VALIDATION_ERROR", "The request is not valid.", detailsFromZod(parsed.error));
  return parsed.data;
}

/**
 * One authenticated storage operation: checks the RPC context names a verified caller, opens the
 * database for the call and turns AppErrors into a failed Result (the RPC error path).
 */
export function storageCall<T>(env: StorageEnv, executionCtx: ExecutionContext, rpc: unknown, body: (call: StorageCall) => Promise<T>): Promise<Result<T>> {
  return toResult(async () => {
    const context = rpcContextSchema.safeParse(rpc);
    const userId = context.success ? context.data.userId : undefined;
    if (!context.success || !userId) throw new AppError("UNAUTHORIZED", "Authentication required.");
    const { origin, requestId } = context.data;
    return withDb(env, (db) => body({ env, db, userId, origin, requestId, now: new Date() }), executionCtx);
  });
}
