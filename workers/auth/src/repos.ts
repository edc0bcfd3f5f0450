import { DbConfigError, withDb, type Database } from "../../../lib/db";
import { AppError } from "../../../lib/errors";
import { describeError, log } from "../../../lib/log";

/**
 * The auth worker's aggregates: users (with devices) and sessions (with their tokens); files are
 * read only, to check that an avatar is the caller's own uploaded image; keys only to delete a
 * deleted device's key directory rows; account controls for email changes.
 */
export type AuthRepos = Pick<Database, "users" | "sessions" | "files" | "keys" | "accountControls" | "accounts">;

/** Runs `body` with the repositories of the configured backend; a misconfigured one is a 503. */
export async function withRepos<T>(env: AuthEnv, body: (repos: AuthRepos) => Promise<T>): Promise<T> {
  try {
    return await withDb(env, body);
  } catch (err) {
    if (err instanceof DbConfigError) {
      log({ event: "unhandled_error", where: "auth.withRepos", error: describeError(err) }, "error");
      throw new AppError("SERVICE_UNAVAILABLE", "The database is not configured.");
    }
    throw err;
  }
}
