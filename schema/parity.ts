import type * as pg from "./pg";
import type * as sqlite from "./sqlite";

/**
 * Compile-time proof that both dialects describe the same rows. The repositories are written once
 * against the SQLite builder types and run unchanged on Postgres (see lib/db/dialect-pg.ts); that is
 * only sound if every table infers identical select and insert types in both dialects. Adding a
 * column to one dialect and not the other breaks `tsc` here.
 */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Same<A extends { $inferSelect: unknown; $inferInsert: unknown }, B extends { $inferSelect: unknown; $inferInsert: unknown }> =
  Equal<A["$inferSelect"], B["$inferSelect"]> extends true ? Equal<A["$inferInsert"], B["$inferInsert"]> : false;
type TableNames = keyof typeof sqlite;
type MissingInPg = Exclude<keyof typeof sqlite, keyof typeof pg>;
type MissingInSqlite = Exclude<keyof typeof pg, keyof typeof sqlite>;
type Mismatched = { [K in TableNames]: Same<(typeof sqlite)[K], (typeof pg)[K]> extends true ? never : K }[TableNames];

const noneMissingInPg: [MissingInPg] extends [never] ? true : MissingInPg = true;
const noneMissingInSqlite: [MissingInSqlite] extends [never] ? true : MissingInSqlite = true;
const noneMismatched: [Mismatched] extends [never] ? true : Mismatched = true;
export const schemaParity = { noneMissingInPg, noneMissingInSqlite, noneMismatched };
