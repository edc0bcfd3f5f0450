import type { AppErrorShape } from "./errors";
import { AppError } from "./errors";

/**
 * What every RPC method returns. Expected failures travel as values because RPC drops custom
 * error properties; a thrown error is a bug and becomes INTERNAL_ERROR at the gateway.
 */
export type Result<T> = { ok: true; value: T } | { ok: false; error: AppErrorShape };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function fail(error: AppErrorShape): { ok: false; error: AppErrorShape } {
  return { ok: false, error };
}

/**
 * Runs a service body and turns AppError throws from its own layers into a failed Result,
 * so each RPC method has one error path.
 */
export async function toResult<T>(body: () => Promise<T>): Promise<Result<T>> {
  try {
    return ok(await body());
  } catch (err) {
    if (err instanceof AppError) return fail(err.toShape());
    throw err;
  }
}

/** At the gateway: unwraps a Result or throws the AppError the error handler renders. */
export function unwrap<T>(result: Result<T>): T {
  if (result.ok) return result.value;
  throw AppError.from(result.error);
}
