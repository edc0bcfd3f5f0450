import { execFile } from "node:child_process";
import { promisify } from "node:util";
import pg from "pg";
import type { TestProject } from "vitest/node";

/**
 * Runs in Node before the workerd pool starts. Prepares the Postgres database for the contract
 * suite by running the same migration script `npm run dev` uses (it creates the database when
 * missing), then hands the URL to the pool, which points the HYPERDRIVE binding at it.
 * Without a reachable server the Postgres suite is skipped with the reason, except under CI=true,
 * where a missing Postgres fails the run: CI must prove both backends.
 * The default database is made afresh for every run, so tables left by another branch's migrations
 * (a shared machine, a checkout switched mid-work) can never meet this checkout's; a database named
 * by TEST_DATABASE_URL is the caller's and is only migrated.
 */
export const DEFAULT_TEST_DATABASE_URL = "postgres://postgres:postgres@127.0.0.1:5432/secureconnect_test";

declare module "vitest" {
  export interface ProvidedContext {
    pgUrl: string;
    pgSkipReason: string;
  }
}

export default async function setup(project: TestProject): Promise<void> {
  const url = process.env.TEST_DATABASE_URL ?? DEFAULT_TEST_DATABASE_URL;
  try {
    if (process.env.TEST_DATABASE_URL === undefined) await recreate(url);
    await promisify(execFile)(process.execPath, ["scripts/migrate-pg.mjs"], {
      env: { ...process.env, DATABASE_URL: url },
      timeout: 60_000,
    });
    project.provide("pgUrl", url);
    project.provide("pgSkipReason", "");
  } catch (err) {
    const why = err instanceof Error ? err.message.split("\n").slice(0, 3).join(" ") : String(err);
    const reason = `Postgres at ${new URL(url).host} is not usable (${why}); set TEST_DATABASE_URL or start Postgres`;
    if (process.env.CI === "true") throw new Error(`CI=true requires the Postgres contract suite: ${reason}`);
    console.warn(`[db tests] SKIPPING the Postgres suite: ${reason}`);
    project.provide("pgUrl", url);
    project.provide("pgSkipReason", reason);
  }
}

/** Drops and creates the database of `url` (through the server's `postgres` database). */
async function recreate(url: string): Promise<void> {
  const target = new URL(url);
  const name = target.pathname.slice(1);
  const admin = new URL(url);
  admin.pathname = "/postgres";
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
}
