import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import { getDb } from "../../lib/db";
import { dbTestEnv } from "./test-env";

const e = dbTestEnv(env);
it("d1", async () => {
  const db = await getDb({ DB: e.DB });
  const r = await db.users.create({ email: "A@x.io", username: "Al", displayName: "A", passwordHash: "h" });
  expect(r.ok).toBe(true);
});
it("pg", async () => {
  const db = await getDb({ DB_BACKEND: "postgres", HYPERDRIVE: e.HYPERDRIVE });
  const r = await db.users.create({ email: `A${Date.now()}@x.io`, username: `Al${Date.now()}`, displayName: "A", passwordHash: "h" });
  expect(r.ok).toBe(true);
  await db.close();
});
