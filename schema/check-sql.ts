import { sql, type SQL } from "drizzle-orm";
import type { AnyColumn } from "drizzle-orm";

/**
 * `column IN ('a','b')` for CHECK constraints, built from a zod enum's options so the database
 * rejects values the TypeScript types already forbid (a raw write or a bad migration cannot
 * smuggle in an unknown status). Values come from our own constants, never from user input.
 */
export function oneOf(column: AnyColumn, values: readonly string[]): SQL {
  const list = sql.join(
    values.map((v) => sql.raw(`'${v.replace(/'/g, "''")}'`)),
    sql.raw(", "),
  );
  return sql`${column} in (${list})`;
}
