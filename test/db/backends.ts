import { env } from "cloudflare:workers";
import { getDb } from "../../lib/db";
import { using, type OpenDb } from "./contract/fixtures";
import { dbTestEnv } from "./test-env";

export { using, type OpenDb };

const bindings = dbTestEnv(env);

/**
 * Both backends, for service suites that must hold on each (`*.backends.ts`). These suites exist to
 * prove Postgres: an unusable server fails them instead of skipping.
 */
export const backends: [string, OpenDb][] = [
  ["d1", () => getDb({ DB: bindings.DB })],
  [
    "postgres",
    () => {
      if (bindings.PG_SKIP_REASON) throw new Error(bindings.PG_SKIP_REASON);
      return getDb({ DB_BACKEND: "postgres", HYPERDRIVE: bindings.HYPERDRIVE });
    },
  ],
];

/** A user row to hang fixtures on, created straight through the repository. */
export function fixtureUserId(open: OpenDb, prefix: string): Promise<string> {
  const name = `${prefix}${crypto.randomUUID().replace(/-/g, "").slice(0, 12)}`;
  return using(open, async (db) => {
    const created = await db.users.create({ email: `${name}@example.com`, username: name, displayName: name, passwordHash: "h" });
    if (!created.ok) throw new Error(`fixture user conflicted on ${created.conflict}`);
    return created.user.id;
  });
}
