import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DELETED_DISPLAY_NAME, type Database } from "../../../lib/db";
import { isoIn, makeUser, range, uniq, using, type OpenDb } from "./fixtures";

/** Account deletion and data exports (lib/db/accounts-repository.ts, exports-repository.ts) and the erasure helpers of the other repositories. */
export function accountsContract(open: OpenDb): void {
  describe("account deletion and erasure", () => {
    let db: Database;
    beforeAll(async () => {
      db = await open();
    });
    afterAll(async () => {
      await db.close();
    });

    const session = async (userId: string, deviceId: string) =>
      db.sessions.create({ userId, deviceId, expiresAt: isoIn(60_000), refreshTokenHash: `h${uniq()}`, refreshExpiresAt: isoIn(60_000) });

    it("markDeleted tombstones the row, revokes every session, frees email and username, and happens once", async () => {
      const user = await makeUser(db);
      const device = await db.users.createDevice({ userId: user.id, platform: "web" });
      await db.users.setPushToken({ userId: user.id, deviceId: device.id, platform: "web", pushToken: `tok-${uniq()}` });
      const [a, b] = [await session(user.id, device.id), await session(user.id, device.id)];
      await db.sessions.createEmailToken({ tokenHash: `e${uniq()}`, userId: user.id, purpose: "verify", expiresAt: isoIn(60_000) });

      const result = await db.accounts.markDeleted(user.id);
      expect(result?.revokedSessionIds.sort()).toEqual([a.id, b.id].sort());
      expect(await db.accounts.isDeleted(user.id)).toBe(true);
      const row = await db.users.findById(user.id);
      expect(row).toMatchObject({ email: "", username: "", displayName: DELETED_DISPLAY_NAME, avatarFileId: null, deletedAt: expect.any(String) });
      expect(JSON.stringify(row)).not.toContain(user.username);
      expect(await db.sessions.listActive(user.id)).toEqual([]);
      expect((await db.users.findDevice(user.id, device.id))?.pushToken).toBeNull();
      expect(await db.users.findByEmail(user.email)).toBeNull();
      expect(await db.users.searchByUsernamePrefix(user.username, 5)).toEqual([]);
      expect(await db.users.findManyByIds([user.id])).toEqual([]);
      expect(await db.accounts.markDeleted(user.id)).toBeNull();
      expect(await db.accounts.markDeleted(`nobody-${uniq()}`)).toBeNull();
      // The same email and username register again, as a new account.
      const again = await db.users.create({ email: user.email, username: user.username, displayName: "again", passwordHash: "x" });
      expect(again.ok && again.user.id !== user.id).toBe(true);
    });

    it("eraseCredentials deletes sessions, tokens, tickets, devices and the export row (twice is harmless)", async () => {
      const user = await makeUser(db);
      const device = await db.users.createDevice({ userId: user.id, platform: "ios" });
      const s = await session(user.id, device.id);
      await db.sessions.createWsTicket({ ticketHash: `w${uniq()}`, userId: user.id, deviceId: device.id, expiresAt: isoIn(60_000) });
      await db.exports.claim({ userId: user.id, exportId: `x${uniq()}`, intervalSeconds: 60 });
      await db.accounts.markDeleted(user.id);
      await db.accounts.eraseCredentials(user.id);
      await db.accounts.eraseCredentials(user.id);
      expect(await db.sessions.get(s.id)).toBeNull();
      expect(await db.users.listAllDevices(user.id)).toEqual([]);
      expect(await db.exports.get(user.id)).toBeNull();
    });

    it("departForErasure hands a group to its first admin, else its first member, and deletes an emptied one", async () => {
      const [owner, m1, admin] = [await makeUser(db), await makeUser(db), await makeUser(db)];
      const group = await db.conversations.createGroup({ createdBy: owner.id, name: "g", memberIds: [m1.id, admin.id] });
      await db.conversations.setRole(group.id, admin.id, "admin");
      const after = await db.conversations.departForErasure(group.id, owner.id);
      expect(after?.createdBy).toBe(admin.id);
      expect(after?.members.map((x) => [x.userId, x.role]).sort()).toEqual(
        [
          [m1.id, "member"],
          [admin.id, "owner"],
        ].sort(),
      );
      expect(await db.conversations.departForErasure(group.id, owner.id)).toEqual(after);
      // A plain member who did not create it: only the membership goes.
      expect((await db.conversations.departForErasure(group.id, m1.id))?.members.map((x) => x.userId)).toEqual([admin.id]);

      const solo = await db.conversations.createGroup({ createdBy: m1.id, name: "g2", memberIds: [owner.id] });
      expect((await db.conversations.departForErasure(solo.id, m1.id))?.members).toEqual([expect.objectContaining({ userId: owner.id, role: "owner" })]);
      expect(await db.conversations.departForErasure(solo.id, owner.id)).toBeNull();
      expect(await db.conversations.get(solo.id)).toBeNull();
    });

    it("departForErasure leaves a direct chat to the other member, without the pair key", async () => {
      const [a, b] = [await makeUser(db), await makeUser(db)];
      const { conversation } = await db.conversations.createDirect({ createdBy: a.id, otherUserId: b.id });
      const after = await db.conversations.departForErasure(conversation.id, a.id);
      expect(after).toMatchObject({ createdBy: b.id, directKey: null, members: [expect.objectContaining({ userId: b.id })] });
    });

    it("listIdsForUserById walks every conversation once, in id order", async () => {
      const user = await makeUser(db);
      const others = await Promise.all(range(5).map(() => makeUser(db)));
      const ids = [];
      for (const other of others) ids.push((await db.conversations.createDirect({ createdBy: user.id, otherUserId: other.id })).conversation.id);
      const seen: string[] = [];
      let after: string | undefined;
      for (;;) {
        const page = await db.conversations.listIdsForUserById(user.id, 2, after);
        seen.push(...page);
        if (page.length < 2) break;
        after = page[page.length - 1];
      }
      expect(seen).toEqual([...ids].sort());
    });

    it("erases a user's file rows (any status), their quota row and their keys", async () => {
      const user = await makeUser(db);
      for (const i of range(3)) {
        const up = await db.files.createUpload(
          { ownerId: user.id, conversationId: null, fileName: `f${i}`, contentType: "text/plain", sizeBytes: 1, uploadExpiresAt: isoIn(60_000) },
          100,
        );
        if (up.ok && i === 0) await db.files.markDeleted(up.file.id);
      }
      const rows = await db.files.listAnyStatusByOwner(user.id, 10);
      expect(rows).toHaveLength(3);
      expect(
        await db.files.eraseRows(
          user.id,
          rows.map((r) => r.id),
        ),
      ).toBe(3);
      expect(await db.files.listAnyStatusByOwner(user.id, 10)).toEqual([]);
      await db.files.eraseQuota(user.id);
      await db.keys.upsertDeviceBundle({
        userId: user.id,
        deviceId: "d1",
        identityKey: "ik",
        signedPrekey: { keyId: 1, publicKey: "spk", signature: "sig" },
        oneTimePrekeys: [{ keyId: 1, publicKey: "otk" }],
      });
      await db.keys.deleteAllForUser(user.id);
      expect(await db.keys.listDevices(user.id)).toEqual([]);
      expect(await db.keys.countOneTimePrekeys(user.id, "d1")).toBe(0);
    });
  });

  describe("data exports", () => {
    it("claims one export per interval: concurrent claims have one winner, the rest learn when to retry", async () => {
      const user = await using(open, (db) => makeUser(db));
      const results = await Promise.all(
        range(6).map((i) => using(open, (db) => db.exports.claim({ userId: user.id, exportId: `x${i}`, intervalSeconds: 3600 }))),
      );
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      for (const r of results.filter((x) => !x.ok)) expect(r).toEqual({ ok: false, retryAfterSeconds: expect.any(Number) });
      for (const r of results) if (!r.ok) expect(r.retryAfterSeconds).toBeGreaterThan(3500);
    });

    it("a later claim past the interval, or after a failure, starts a new export; ready and failed only move that export", async () => {
      await using(open, async (db) => {
        const user = await makeUser(db);
        const first = await db.exports.claim({ userId: user.id, exportId: "a", intervalSeconds: 60 }, isoIn(-120_000));
        expect(first.ok).toBe(true);
        const second = await db.exports.claim({ userId: user.id, exportId: "b", intervalSeconds: 60 });
        expect(second).toMatchObject({ ok: true, export: { id: "b", status: "pending" } });
        expect(await db.exports.markReady({ userId: user.id, exportId: "a", objectKey: "k", expiresAt: isoIn(1000) })).toBeNull();
        expect(await db.exports.markFailed(user.id, "b")).toMatchObject({ status: "failed" });
        const third = await db.exports.claim({ userId: user.id, exportId: "c", intervalSeconds: 60 });
        expect(third.ok).toBe(true);
        expect(await db.exports.markReady({ userId: user.id, exportId: "c", objectKey: "k", expiresAt: isoIn(1000) })).toMatchObject({
          status: "ready",
          objectKey: "k",
        });
        expect((await db.exports.claim({ userId: user.id, exportId: "d", intervalSeconds: 60 })).ok).toBe(false);
      });
    });
  });
}
