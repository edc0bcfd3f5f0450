import type { BatchItem } from "drizzle-orm/batch";
import type { BaseSQLiteDatabase } from "drizzle-orm/sqlite-core";
import type * as sqliteSchema from "../../schema/sqlite";
import type { FileRow, FileStatus, OneTimePrekey } from "./rows";

/**
 * The query builder the repositories are written against. It is typed as the SQLite builder; on
 * Postgres the object really is Drizzle's pg builder over the pg tables. Both builders expose the
 * same methods for everything the repositories use (select/insert/update/delete, returning,
 * onConflictDoNothing/DoUpdate, joins, subqueries, orderBy/limit), and `schema/parity.ts` proves
 * the tables infer identical row types, so one implementation serves both. Rules for repository
 * code, enforced by review and proven by the shared contract suite on both backends:
 *   - always `await` a builder; never `.get()/.all()/.run()/.values()` (SQLite-only),
 *   - affected rows come from `.returning()`, never from driver result objects,
 *   - multi-statement atomicity goes through `Dialect.atomic`, never `db.batch`/`db.transaction`,
 *   - raw `sql` fragments only in syntax both dialects share (CASE, COALESCE, arithmetic, LIKE ESCAPE).
 */
export type QueryDb = Omit<BaseSQLiteDatabase<"async", unknown>, "run" | "all" | "get" | "values" | "transaction">;
// ("run/all/get/values" execute raw SQL with SQLite-only result shapes and "transaction" cannot work
// on D1, so the type leaves them out; atomic units go through Dialect.atomic.)

/** Only the tables (the schema modules also export nothing else, but keep the type precise). */
export type Tables = typeof sqliteSchema;

/** A non-empty list of statements run as one atomic unit. */
export type AtomicStatements = [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]];

/** A status change of a file and the quota movement it implies, applied atomically. */
export interface FileTransition {
  fileId: string;
  from: FileStatus;
  to: FileStatus;
  now: string;
  /** Multiplied by the file's size_bytes and added to quotas.used_bytes / reserved_bytes. */
  usedDelta: -1 | 0 | 1;
  reservedDelta: -1 | 0 | 1;
}

/** What differs between the backends; everything else is shared repository code. */
export interface Dialect {
  readonly backend: "d1" | "postgres";
  readonly db: QueryDb;
  readonly t: Tables;
  /** Runs the statements in order, all or nothing (D1: batch; Postgres: transaction). */
  atomic: (build: (db: QueryDb) => AtomicStatements) => Promise<void>;
  /** Deletes and returns one one-time prekey of the device; concurrent callers never get the same one. */
  claimOneTimePrekey: (userId: string, deviceId: string) => Promise<OneTimePrekey | null>;
  /** Moves a file from `from` to `to` and adjusts its owner's quota, exactly once. */
  transitionFile: (change: FileTransition) => Promise<FileRow | null>;
  /** Releases the connection (Postgres); a no-op on D1. */
  close: () => Promise<void>;
}
