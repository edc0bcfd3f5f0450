import { and, eq, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/node-postgres";
import type { Pool } from "pg";
import * as pgSchema from "../../schema/pg";
import { fileStamps } from "./dialect-d1";
import type { FileRow, OneTimePrekey } from "./rows";
import type { Dialect, FileTransition, QueryDb, Tables } from "./query-db";

/**
 * Postgres (through Hyperdrive in Workers, or any Postgres-wire server). Uses a real interactive
 * transaction where D1 needs a batch, and `FOR UPDATE SKIP LOCKED` where SQLite's single writer
 * already serialises claims.
 */
export function pgDialect(pool: Pool): Dialect {
  // Over a Pool, Drizzle runs each transaction on a connection of its own (pool.connect()) and
  // plain queries on any idle one. Over a single Client, concurrent work on one handle would
  // interleave on the connection: a statement of one operation would land inside another's
  // BEGIN..COMMIT and be rolled back with it (the contract suite has a test for exactly this).
  const db = drizzle(pool);
  const t = pgSchema;
  // The one place the two builders meet: see QueryDb in query-db.ts for why this is sound and
  // schema/parity.ts for the compile-time proof that both dialects' tables produce the same rows.
  const shared = db as unknown as QueryDb;
  const sharedTables = t as unknown as Tables;
  return {
    backend: "postgres",
    db: shared,
    t: sharedTables,
    async atomic(build) {
      await db.transaction(async (tx) => {
        // Built on the pg transaction, the statements are drizzle pg query builders, which run when awaited;
        // AtomicStatements types them as the D1 batch items they stand for on the other backend.
        const statements: readonly PromiseLike<unknown>[] = build(tx as unknown as QueryDb) as unknown as PromiseLike<unknown>[];
        for (const statement of statements) await statement;
      });
    },
    async claimOneTimePrekey(userId, deviceId): Promise<OneTimePrekey | null> {
      const p = t.oneTimePrekeys;
      const mine = and(eq(p.userId, userId), eq(p.deviceId, deviceId));
      // SKIP LOCKED: a concurrent claimer moves on to the next key instead of waiting for ours and
      // then finding it gone (which would wrongly report "no keys left"). `= (scalar subquery)`, not
      // `IN (...)`: Postgres may re-run an IN-subquery per outer row, and with FOR UPDATE it then
      // skips the row this very statement just deleted and picks the next one, deleting every key.
      const oldest = db.select({ keyId: p.keyId }).from(p).where(mine).orderBy(p.keyId).limit(1).for("update", { skipLocked: true });
      const [row] = await db
        .delete(p)
        .where(and(mine, eq(p.keyId, sql`(${oldest})`)))
        .returning();
      return row ?? null;
    },
    async transitionFile(c: FileTransition): Promise<FileRow | null> {
      const f = t.files;
      const q = t.quotas;
      return db.transaction(async (tx) => {
        // The UPDATE locks the file row: a concurrent transition waits, re-checks `status`, and
        // matches nothing, so the quota moves exactly once.
        const [moved] = await tx
          .update(f)
          .set(fileStamps(c))
          .where(and(eq(f.id, c.fileId), eq(f.status, c.from)))
          .returning();
        if (!moved) return null;
        await tx
          .update(q)
          .set({
            usedBytes: sql`${q.usedBytes} + ${c.usedDelta * moved.sizeBytes}`,
            reservedBytes: sql`${q.reservedBytes} + ${c.reservedDelta * moved.sizeBytes}`,
          })
          .where(eq(q.userId, moved.ownerId));
        return moved;
      });
    },
    async close() {
      await pool.end();
    },
  };
}
