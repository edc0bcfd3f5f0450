import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database, DeviceBundleInput, User } from "../../../lib/db";
import { makeUser, range, uniq, using, type OpenDb } from "./fixtures";

const bundle = (userId: string, deviceId: string, keyIds: number[], identityKey = "ik-1", spk = 1): DeviceBundleInput => ({
  userId,
  deviceId,
  identityKey,
  signedPrekey: { keyId: spk, publicKey: `spk-${spk}`, signature: `sig-${spk}` },
  oneTimePrekeys: keyIds.map((keyId) => ({ keyId, publicKey: `otk-${keyId}` })),
});

export function keysContract(open: OpenDb): void {
  describe("keys", () => {
    let db: Database;
    let user: User;
    beforeAll(async () => {
      db = await open();
      user = await makeUser(db);
    });
    afterAll(async () => {
      await db.close();
    });

    it("stores a bundle, replaces the signed prekey and ignores duplicate one-time key ids", async () => {
      const device = `d-${uniq()}`;
      await db.keys.upsertDeviceBundle(bundle(user.id, device, [1, 2, 3]));
      await db.keys.upsertDeviceBundle(bundle(user.id, device, [3, 4], "ik-1", 2));
      expect(await db.keys.countOneTimePrekeys(user.id, device)).toBe(4);
      const [stored] = (await db.keys.listDevices(user.id)).filter((d) => d.deviceId === device);
      expect(stored).toMatchObject({ identityKey: "ik-1", signedPrekeyId: 2, signedPrekeyPublic: "spk-2", signedPrekeySignature: "sig-2" });
    });

    it("accepts a large upload (chunked under D1's bound-parameter limit)", async () => {
      const device = `d-${uniq()}`;
      await db.keys.upsertDeviceBundle(
        bundle(
          user.id,
          device,
          range(150).map((i) => i + 1),
        ),
      );
      expect(await db.keys.countOneTimePrekeys(user.id, device)).toBe(150);
    });

    it("drops old one-time prekeys when the identity key changes (reinstalled device)", async () => {
      const device = `d-${uniq()}`;
      await db.keys.upsertDeviceBundle(bundle(user.id, device, [1, 2]));
      await db.keys.upsertDeviceBundle(bundle(user.id, device, [10], "ik-2"));
      expect(await db.keys.countOneTimePrekeys(user.id, device)).toBe(1);
      expect((await db.keys.claimOneTimePrekey(user.id, device))?.keyId).toBe(10);
    });

    it("claims lowest key first, then null when exhausted", async () => {
      const device = `d-${uniq()}`;
      await db.keys.upsertDeviceBundle(bundle(user.id, device, [5, 2]));
      expect((await db.keys.claimOneTimePrekey(user.id, device))?.keyId).toBe(2);
      expect((await db.keys.claimOneTimePrekey(user.id, device))?.publicKey).toBe("otk-5");
      expect(await db.keys.claimOneTimePrekey(user.id, device)).toBeNull();
    });

    it("20 concurrent claims of 5 prekeys: exactly 5 distinct winners", async () => {
      const device = `d-${uniq()}`;
      await db.keys.upsertDeviceBundle(bundle(user.id, device, [1, 2, 3, 4, 5]));
      const claims = await Promise.all(range(20).map(() => using(open, (conn) => conn.keys.claimOneTimePrekey(user.id, device))));
      const won = claims.flatMap((k) => (k ? [k.keyId] : []));
      expect(won.sort()).toEqual([1, 2, 3, 4, 5]);
      expect(await db.keys.countOneTimePrekeys(user.id, device)).toBe(0);
    });

    it("claims one prekey per device for a user's bundle fetch, and deletes devices", async () => {
      const owner = await makeUser(db);
      await db.keys.upsertDeviceBundle(bundle(owner.id, "phone", [1]));
      await db.keys.upsertDeviceBundle(bundle(owner.id, "laptop", []));
      const bundles = await db.keys.claimBundles(owner.id);
      expect(bundles.map((x) => [x.device.deviceId, x.oneTimePrekey?.keyId ?? null])).toEqual([
        ["laptop", null],
        ["phone", 1],
      ]);
      expect(await db.keys.deleteDevice(owner.id, "phone")).toBe(true);
      expect(await db.keys.deleteDevice(owner.id, "phone")).toBe(false);
      expect((await db.keys.listDevices(owner.id)).map((d) => d.deviceId)).toEqual(["laptop"]);
    });
  });
}
