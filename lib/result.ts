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
export function toResult<T>(body: () => Promise<T>): Promise<Result<T>> {
  return forwardResult(async () => ok(await body()));
}

/** At the gateway: unwraps a Result or throws the AppError the error handler renders. */
export function unwrap<T>(result: Result<T>): T {
  if (result.ok) return result.value;
  throw AppError.from(result.error);
}

/**
 * Runs a service body that ends in another layer's Result (a Durable Object's): that Result passes
 * through as is, so its error crosses the seam once; AppErrors thrown before it (validation, the
 * caller check) become a failed Result as in `toResult`.
 */
export async function forwardResult<T>(body: () => Promise<Result<T>>): Promise<Result<T>> {
  try {
    return await body();
  } catch (err) {
    if (err instanceof AppError) return fail(err.toShape());
    throw err;
  }
}

/** A successful Result's value reshaped; a failure passes through unchanged. */
export function mapOk<T, U>(result: Result<T>, shape: (value: T) => U): Result<U> {
  return result.ok ? ok(shape(result.value)) : result;
}
