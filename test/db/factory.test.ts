import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { DbConfigError, getDb, withDb } from "../../lib/db";
import { dbTestEnv } from "./test-env";

const { DB } = dbTestEnv(env);

describe("getDb / withDb", () => {
  it("defaults to D1", async () => {
    expect((await getDb({ DB })).backend).toBe("d1");
  });

  it("names the missing binding or bad setting", async () => {
    await expect(getDb({})).rejects.toThrow(DbConfigError);
    await expect(getDb({ DB_BACKEND: "postgres" })).rejects.toThrow(/HYPERDRIVE/);
    await expect(getDb({ DB_BACKEND: "mysql", DB })).rejects.toThrow(/"d1" or "postgres"/);
  });

  it("closes the handle even when the work throws, and hands closing to waitUntil when given ctx", async () => {
    const waited: Promise<unknown>[] = [];
    await expect(withDb({ DB }, () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(await withDb({ DB }, async (db) => db.backend, { waitUntil: (p) => waited.push(p) })).toBe("d1");
    expect(waited).toHaveLength(1);
  });
});
