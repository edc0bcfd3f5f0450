import { describe, it } from "vitest";
import { AppError } from "../../../lib/errors";
import { countPrekeys, fetchBundle, uploadKeys, type KeyDirectoryDeps } from "../../../workers/chat/src/keys/key-directory";
import { prekeysLowKey, type PrekeysLowSignal } from "../../../workers/chat/src/keys/prekeys-low";
import { backends, fixtureUserId, using, type OpenDb } from "../../db/backends";
import { prekeys, upload } from "../keys-client";

/** One database handle per simulated request (on Postgres: its own connection), closed after. */
async function request<T>(open: OpenDb, signals: PrekeysLowSignal[], fn: (deps: KeyDirectoryDeps) => Promise<T>): Promise<T> {
  return using(open, (db) => fn({ repo: db.keys, signalLow: async (s) => void signals.push(s) }));
}

for (const [backend, open] of backends) {
  describe(`key directory service on ${backend}`, () => {
    it("20 concurrent bundle fetches (one connection each) hand out 5 prekeys exactly once", async ({ expect }) => {
      const userId = await fixtureUserId(open, "k");
      const keys = upload("phone", prekeys(1, 5));
      await request(open, [], (deps) => uploadKeys(deps, userId, keys));
      const signals: PrekeysLowSignal[] = [];
      const bundles = await Promise.all(Array.from({ length: 20 }, () => request(open, signals, (deps) => fetchBundle(deps, { user_id: userId }))));
      const claimed = bundles.flatMap((b) => b.devices.flatMap((d) => (d.one_time_prekey ? [d.one_time_prekey] : [])));
      expect(claimed.sort((a, b) => a.key_id - b.key_id)).toEqual(keys.one_time_prekeys);
      expect(await request(open, [], (deps) => countPrekeys(deps, userId, "phone"))).toEqual({ one_time_prekeys: 0, prekeys_low: true });
      // One signal per claim that took a key, each reporting a count below the watermark.
      expect(signals).toHaveLength(5);
      expect(signals.every((s) => s.remaining >= 0 && s.remaining < 5)).toBe(true);
      expect(signals.map((s) => s.remaining)).toContain(0);
    });

    it("refuses different material for a held key_id, accepts an identical retry, and a reset drops old prekeys", async ({ expect }) => {
      const userId = await fixtureUserId(open, "k");
      const first = upload("phone", prekeys(1, 3));
      await request(open, [], (deps) => uploadKeys(deps, userId, first));
      await request(open, [], (deps) => uploadKeys(deps, userId, { ...first, one_time_prekeys: [...first.one_time_prekeys, ...prekeys(4, 1)] }));
      const clash = { ...first, one_time_prekeys: [{ key_id: 2, public_key: "AAAA" }] };
      const refused = await request(open, [], (deps) => uploadKeys(deps, userId, clash)).catch((err: unknown) => err);
      expect(refused).toBeInstanceOf(AppError);
      expect(refused instanceof AppError ? refused.code : "none").toBe("CONFLICT");
      expect(await request(open, [], (deps) => countPrekeys(deps, userId, "phone"))).toMatchObject({ one_time_prekeys: 4 });
      await request(open, [], (deps) => uploadKeys(deps, userId, upload("phone", prekeys(1, 1))));
      expect(await request(open, [], (deps) => countPrekeys(deps, userId, "phone"))).toMatchObject({ one_time_prekeys: 1 });
    });

    it("a refill starts a new prekeys_low generation (new idempotency keys)", async ({ expect }) => {
      const userId = await fixtureUserId(open, "k");
      const keys = upload("phone", prekeys(1, 2));
      await request(open, [], (deps) => uploadKeys(deps, userId, keys));
      const signals: PrekeysLowSignal[] = [];
      await request(open, signals, (deps) => fetchBundle(deps, { user_id: userId }));
      // The generation is the upload time (ms): make sure the refill lands in a later millisecond.
      await new Promise((resolve) => setTimeout(resolve, 5));
      await request(open, [], (deps) => uploadKeys(deps, userId, { ...keys, one_time_prekeys: prekeys(10, 1) }));
      await request(open, signals, (deps) => fetchBundle(deps, { user_id: userId }));
      expect(signals.map((s) => s.remaining)).toEqual([1, 1]);
      const [before, after] = await Promise.all(signals.map((s) => prekeysLowKey(s)));
      expect(before).not.toBe(after);
    });
  });
}
