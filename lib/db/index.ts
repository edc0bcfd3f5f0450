import { accountsRepository, type AccountsRepository } from "./accounts-repository";
import { accountControlsRepository, type AccountControlsRepository } from "./account-controls-repository";
import { callsRepository, type CallsRepository } from "./calls-repository";
import { conversationsRepository, type ConversationsRepository } from "./conversations-repository";
import { d1Dialect } from "./dialect-d1";
import { exportsRepository, type ExportsRepository } from "./exports-repository";
import { filesRepository, type FilesRepository } from "./files-repository";
import { keysRepository, type KeysRepository } from "./keys-repository";
import type { WaitUntil } from "../rpc";
import type { Dialect } from "./query-db";
import { sessionsRepository, type SessionsRepository } from "./sessions-repository";
import { usersRepository, type UsersRepository } from "./users-repository";

export * from "./rows";
export type * from "./users-repository";
export type * from "./sessions-repository";
export type * from "./conversations-repository";
export type * from "./keys-repository";
export type * from "./calls-repository";
export type * from "./files-repository";
export type * from "./accounts-repository";
export type * from "./exports-repository";
export { DELETED_DISPLAY_NAME } from "./accounts-repository";
export type * from "./account-controls-repository";
export { directKey } from "./conversations-repository";
export { nowIso } from "./clock";

/** The bindings the data layer reads; every worker's Env that uses the database satisfies this. */
export interface DbEnv {
  /** "d1" (default) or "postgres". */
  DB_BACKEND?: string;
  DB?: D1Database;
  HYPERDRIVE?: Hyperdrive;
}

export interface Database {
  readonly backend: "d1" | "postgres";
  readonly users: UsersRepository;
  readonly sessions: SessionsRepository;
  readonly conversations: ConversationsRepository;
  readonly keys: KeysRepository;
  readonly calls: CallsRepository;
  readonly files: FilesRepository;
  readonly accounts: AccountsRepository;
  readonly exports: ExportsRepository;
  readonly accountControls: AccountControlsRepository;
  /** Closes the Postgres connection; harmless on D1. Call once, when the request is done. */
  close(): Promise<void>;
}

export class DbConfigError extends Error {
  override readonly name = "DbConfigError";
}

export function repositories(dialect: Dialect): Database {
  return {
    backend: dialect.backend,
    users: usersRepository(dialect),
    sessions: sessionsRepository(dialect),
    conversations: conversationsRepository(dialect),
    keys: keysRepository(dialect),
    calls: callsRepository(dialect),
    files: filesRepository(dialect),
    accounts: accountsRepository(dialect),
    exports: exportsRepository(dialect),
    accountControls: accountControlsRepository(dialect),
    close: () => dialect.close(),
  };
}

/**
 * Opens the database selected by `env.DB_BACKEND`. On Postgres this creates a small connection pool
 * for this handle (connections open on first use); the caller must `close()` it, which `withDb`
 * does for you. Use one handle per request; never keep one in global scope across requests.
 */
export async function getDb(env: DbEnv): Promise<Database> {
  const backend = env.DB_BACKEND ?? "d1";
  if (backend === "d1") {
    if (!env.DB) throw new DbConfigError("DB_BACKEND=d1 but the D1 binding `DB` is missing");
    return repositories(d1Dialect(env.DB));
  }
  if (backend === "postgres") {
    if (!env.HYPERDRIVE) throw new DbConfigError("DB_BACKEND=postgres but the Hyperdrive binding `HYPERDRIVE` is missing");
    // Loaded lazily so D1 deployments never initialise the pg driver.
    const [{ Pool }, { pgDialect }] = await Promise.all([import("pg"), import("./dialect-pg")]);
    // A small pool per handle (per request): connections open lazily, concurrent operations on one
    // handle get separate connections (see dialect-pg.ts), and 4 stays under the Workers limit of
    // 6 simultaneous outbound connections per request. Hyperdrive pools the real database
    // connections at the edge, so opening these is cheap.
    const pool = new Pool({ connectionString: env.HYPERDRIVE.connectionString, max: 4 });
    // A pg client emits 'error' when its socket dies (including the benign "Stream was cancelled"
    // when a socket closes after end()); with no listener that becomes an unhandled rejection.
    // Queries in flight still reject with the error, so nothing is hidden from callers.
    pool.on("error", () => undefined);
    return repositories(pgDialect(pool));
  }
  throw new DbConfigError(`DB_BACKEND must be "d1" or "postgres", got "${backend}"`);
}

/**
 * Runs `fn` with a database and always releases it. With `executionCtx`, closing is handed to its
 * `waitUntil` so the response is not delayed by the connection teardown.
 */
export async function withDb<T>(env: DbEnv, fn: (db: Database) => Promise<T>, executionCtx?: WaitUntil): Promise<T> {
  const db = await getDb(env);
  try {
    return await fn(db);
  } finally {
    // A failed teardown of a connection whose work already finished must not fail the request.
    const closing = db.close().catch(() => undefined);
    if (executionCtx) executionCtx.waitUntil(closing);
    else await closing;
  }
}
