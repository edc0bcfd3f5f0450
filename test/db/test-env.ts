import type { D1Migration } from "cloudflare:test";

/** The bindings vitest.db.config.ts gives the db suite, checked at runtime instead of cast. */
export interface DbTestEnv {
  DB: D1Database;
  HYPERDRIVE: Hyperdrive;
  TEST_MIGRATIONS: D1Migration[];
  PG_SKIP_REASON: string;
}

function has<K extends string>(value: object, key: K): value is Record<K, unknown> {
  return key in value;
}

export function dbTestEnv(env: object): DbTestEnv {
  if (!has(env, "DB") || !has(env, "HYPERDRIVE") || !has(env, "TEST_MIGRATIONS") || !has(env, "PG_SKIP_REASON")) {
    throw new Error("db test bindings missing: run with vitest.db.config.ts (or a config with the same bindings)");
  }
  const { DB, HYPERDRIVE, TEST_MIGRATIONS, PG_SKIP_REASON } = env;
  if (typeof PG_SKIP_REASON !== "string" || !Array.isArray(TEST_MIGRATIONS)) throw new Error("db test bindings malformed");
  return {
    DB: DB as D1Database,
    HYPERDRIVE: HYPERDRIVE as Hyperdrive,
    TEST_MIGRATIONS: TEST_MIGRATIONS as D1Migration[],
    PG_SKIP_REASON,
  };
}
