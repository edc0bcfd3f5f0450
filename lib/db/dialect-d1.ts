import { and, eq, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import * as schema from "../../schema/sqlite";
import type { FileRow, OneTimePrekey } from "./rows";
import type { Dialect, FileTransition } from "./query-db";

/**
 * D1 (SQLite). D1 runs one statement or one batch at a time per database, and a batch is a
 * transaction, so "atomic" = one statement or one batch. D1 has no interactive transactions,
 * which is why a file transition is expressed as a batch whose quota update reads the file state
 * itself instead of branching in JavaScript.
 */
export function d1Dialect(binding: D1Database): Dialect {
  const db = drizzle(binding);
  const t = schema;
  return {
    backend: "d1",
    db,
    t,
    async atomic(build) {
      await db.batch(build(db));
    },
    async claimOneTimePrekey(userId, deviceId): Promise<OneTimePrekey | null> {
      const p = t.oneTimePrekeys;
      const mine = and(eq(p.userId, userId), eq(p.deviceId, deviceId));
      // One statement: the single writer cannot interleave another claim between pick and delete.
      const oldest = db.select({ keyId: p.keyId }).from(p).where(mine).orderBy(p.keyId).limit(1);
      const [row] = await db
        .delete(p)
        .where(and(mine, eq(p.keyId, sql`(${oldest})`)))
        .returning();
      return row ?? null;
    },
    async transitionFile(c: FileTransition): Promise<FileRow | null> {
      const f = t.files;
      const q = t.quotas;
      const matching = and(eq(f.id, c.fileId), eq(f.status, c.from));
      const size = sql`(select ${f.sizeBytes} from ${f} where ${matching})`;
      // Quota first (while the file still has status `from`), then the file; both in one batch.
      const [, moved] = await db.batch([
        db
          .update(q)
          .set({
            usedBytes: sql`${q.usedBytes} + ${c.usedDelta} * ${size}`,
            reservedBytes: sql`${q.reservedBytes} + ${c.reservedDelta} * ${size}`,
          })
          .where(eq(q.userId, sql`(select ${f.ownerId} from ${f} where ${matching})`)),
        db.update(f).set(fileStamps(c)).where(matching).returning(),
      ]);
      return moved[0] ?? null;
    },
    async close() {
      // Bindings hold no connection.
    },
  };
}

export function fileStamps(c: FileTransition): Partial<FileRow> {
  return {
    status: c.to,
    ...(c.to === "completed" ? { completedAt: c.now } : {}),
    ...(c.to === "deleted" ? { deletedAt: c.now } : {}),
  };
}
