import type { Database, User } from "../../../lib/db";

/** Opens a fresh database handle (on Postgres: its own connection, like one request). */
export type OpenDb = () => Promise<Database>;

/** Runs `fn` on its own handle and closes it: concurrency tests use one per simulated request. */
export async function using<T>(open: OpenDb, fn: (db: Database) => Promise<T>): Promise<T> {
  const db = await open();
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

/** Unique suffix: the databases persist between runs, so every test makes its own rows. */
export const uniq = (): string => crypto.randomUUID().replace(/-/g, "").slice(0, 12);

export const isoIn = (ms: number): string => new Date(Date.now() + ms).toISOString();

export async function makeUser(db: Database, name = `u${uniq()}`): Promise<User> {
  const result = await db.users.create({ email: `${name}@Example.com`, username: name, displayName: name, passwordHash: "hash" });
  if (!result.ok) throw new Error(`fixture user ${name} conflicted on ${result.conflict}`);
  return result.user;
}

export const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
