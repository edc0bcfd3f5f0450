import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../../lib/db";
import { makeUser, range, uniq, using, type OpenDb } from "./fixtures";

export function usersContract(open: OpenDb): void {
  describe("users", () => {
    let db: Database;
    beforeAll(async () => {
      db = await open();
    });
    afterAll(async () => {
      await db.close();
    });

    it("creates a user and finds it by id, email and username, case-insensitively", async () => {
      const name = `Mixed${uniq()}`;
      const created = await db.users.create({ email: `${name}@Example.COM`, username: name, displayName: "M", passwordHash: "h" });
      if (!created.ok) throw new Error("create failed");
      const { user } = created;
      expect(user).toMatchObject({ email: `${name}@Example.COM`, emailLower: `${name.toLowerCase()}@example.com`, emailVerified: false, avatarFileId: null });
      expect((await db.users.findById(user.id))?.id).toBe(user.id);
      expect((await db.users.findByEmail(`${name.toUpperCase()}@example.com`))?.id).toBe(user.id);
      expect((await db.users.findByUsername(name.toLowerCase()))?.id).toBe(user.id);
      expect(await db.users.findById("missing")).toBeNull();
    });

    it("reports which unique key a duplicate hits, ignoring case", async () => {
      const user = await makeUser(db);
      const sameEmail = await db.users.create({ email: user.email.toUpperCase(), username: `x${uniq()}`, displayName: "x", passwordHash: "h" });
      expect(sameEmail).toEqual({ ok: false, conflict: "email" });
      const sameName = await db.users.create({ email: `${uniq()}@e.io`, username: user.username.toUpperCase(), displayName: "x", passwordHash: "h" });
      expect(sameName).toEqual({ ok: false, conflict: "username" });
    });

    it("10 concurrent registrations of one email (in different cases): exactly one account", async () => {
      const name = `race${uniq()}`;
      const results = await Promise.all(
        range(10).map((i) =>
          using(open, (conn) =>
            conn.users.create({ email: i % 2 ? `${name}@x.io` : `${name.toUpperCase()}@X.IO`, username: `${name}${i}`, displayName: "r", passwordHash: "h" }),
          ),
        ),
      );
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      expect(results.filter((r) => !r.ok && r.conflict === "email")).toHaveLength(9);
    });

    it("searches by username prefix, treating % and _ literally", async () => {
      const stem = `pre${uniq()}`;
      const a = await makeUser(db, `${stem}_alpha`);
      const b = await makeUser(db, `${stem}Xbeta`);
      const found = await db.users.searchByUsernamePrefix(stem.toUpperCase(), 10);
      expect(found.map((u) => u.id).sort()).toEqual([a.id, b.id].sort());
      expect((await db.users.searchByUsernamePrefix(`${stem}_`, 10)).map((u) => u.id)).toEqual([a.id]);
      expect(await db.users.searchByUsernamePrefix(`${stem}%`, 10)).toEqual([]);
      expect(await db.users.searchByUsernamePrefix(stem, 1)).toHaveLength(1);
    });

    it("updates profile, password and verification", async () => {
      const user = await makeUser(db);
      const later = new Date(Date.now() + 1000).toISOString();
      const updated = await db.users.updateProfile(user.id, { displayName: "New", avatarFileId: "file-1" }, later);
      expect(updated).toMatchObject({ displayName: "New", avatarFileId: "file-1", updatedAt: later });
      expect((await db.users.updateProfile(user.id, { avatarFileId: null }))?.avatarFileId).toBeNull();
      expect(await db.users.setPasswordHash(user.id, "h2")).toBe(true);
      expect(await db.users.markEmailVerified(user.id)).toBe(true);
      expect(await db.users.findById(user.id)).toMatchObject({ passwordHash: "h2", emailVerified: true, displayName: "New" });
      expect(await db.users.updateProfile("missing", { displayName: "x" })).toBeNull();
    });

    it("finds many by id", async () => {
      const users = [await makeUser(db), await makeUser(db)];
      const found = await db.users.findManyByIds([...users.map((u) => u.id), "missing", users[0]?.id ?? ""]);
      expect(found.map((u) => u.id).sort()).toEqual(users.map((u) => u.id).sort());
    });

    it("registers devices; a push token moves to the user who registers it last", async () => {
      const [a, b] = [await makeUser(db), await makeUser(db)];
      const token = `tok-${uniq()}`;
      const first = await db.users.upsertDevice({ userId: a.id, platform: "android", pushToken: token });
      const again = await db.users.upsertDevice({ userId: b.id, platform: "ios", pushToken: token });
      expect(again.id).toBe(first.id);
      expect(again).toMatchObject({ userId: b.id, platform: "ios" });
      expect(await db.users.listDevices(a.id)).toEqual([]);
      expect((await db.users.listDevices(b.id)).map((d) => d.id)).toEqual([first.id]);
      expect(await db.users.deleteDevice(a.id, first.id)).toBe(false);
      expect(await db.users.deleteDevice(b.id, first.id)).toBe(true);
      const other = await db.users.upsertDevice({ userId: a.id, platform: "web", pushToken: `tok-${uniq()}` });
      expect(await db.users.deleteDeviceByPushToken(other.pushToken)).toBe(true);
      expect(await db.users.deleteDeviceByPushToken(other.pushToken)).toBe(false);
    });

    it("binds sessions to devices; deleting a device ends its sessions, a push token stays optional", async () => {
      const [a, b] = [await makeUser(db), await makeUser(db)];
      const laptop = await db.users.createDevice({ userId: a.id, platform: "web", name: "Laptop" });
      expect(laptop).toMatchObject({ userId: a.id, platform: "web", name: "Laptop", pushToken: null });
      expect(await db.users.findDevice(a.id, laptop.id)).toEqual(laptop);
      expect(await db.users.findDevice(b.id, laptop.id)).toBeNull();
      await db.users.touchDevice(laptop.id, { name: "Work laptop" }, "2999-01-01T00:00:00.000Z");
      expect(await db.users.findDevice(a.id, laptop.id)).toMatchObject({ name: "Work laptop", platform: "web", lastSeenAt: "2999-01-01T00:00:00.000Z" });
      const phone = await db.users.upsertDevice({ userId: a.id, platform: "android", pushToken: `tok-${uniq()}` });
      expect((await db.users.listAllDevices(a.id)).map((d) => d.id)).toEqual([laptop.id, phone.id]);
      expect((await db.users.listDevices(a.id)).map((d) => d.id)).toEqual([phone.id]);

      const day = new Date(Date.now() + 86_400_000).toISOString();
      const session = await db.sessions.create({ userId: a.id, deviceId: laptop.id, expiresAt: day, refreshTokenHash: `rt-${uniq()}`, refreshExpiresAt: day });
      const legacy = await db.sessions.create({ userId: a.id, expiresAt: day, refreshTokenHash: `rt-${uniq()}`, refreshExpiresAt: day });
      expect(session.deviceId).toBe(laptop.id);
      expect(legacy.deviceId).toBeNull();
      await db.sessions.bindDevice(legacy.id, phone.id);
      await db.sessions.bindDevice(legacy.id, laptop.id);
      expect((await db.sessions.get(legacy.id))?.deviceId).toBe(phone.id);
      expect(await db.sessions.activeIdsForDevice(laptop.id)).toEqual([session.id]);

      expect(await db.users.deleteDevice(b.id, laptop.id)).toBe(false);
      expect(await db.users.deleteDevice(a.id, laptop.id)).toBe(true);
      expect(await db.sessions.get(session.id)).toBeNull();
      expect(await db.sessions.get(legacy.id)).not.toBeNull();
      expect(await db.users.listAllDevices(a.id)).toEqual([phone]);
    });

    it("lists the signed-in devices of several users: a revoked, expired, sessionless or deleted device is not among them", async () => {
      const [a, b, c] = [await makeUser(db), await makeUser(db), await makeUser(db)];
      const day = new Date(Date.now() + 86_400_000).toISOString();
      const past = new Date(Date.now() - 1_000).toISOString();
      const device = async (userId: string, seen: string, expiresAt: string | null) => {
        const made = await db.users.createDevice({ userId, platform: "web" });
        await db.users.touchDevice(made.id, {}, seen);
        if (expiresAt) await db.sessions.create({ userId, deviceId: made.id, expiresAt, refreshTokenHash: `rt-${uniq()}`, refreshExpiresAt: day });
        return made;
      };
      const aOld = await device(a.id, "2001-01-01T00:00:00.000Z", day);
      const aNew = await device(a.id, "2002-01-01T00:00:00.000Z", day);
      const aSignedOut = await device(a.id, "2003-01-01T00:00:00.000Z", day);
      for (const id of await db.sessions.activeIdsForDevice(aSignedOut.id)) await db.sessions.revoke(id, "logout");
      await device(a.id, "2004-01-01T00:00:00.000Z", past);
      await device(a.id, "2005-01-01T00:00:00.000Z", null);
      const bPhone = await device(b.id, "2001-01-01T00:00:00.000Z", day);
      const bGone = await device(b.id, "2002-01-01T00:00:00.000Z", day);
      await db.users.deleteDevice(b.id, bGone.id);
      await device(c.id, "2001-01-01T00:00:00.000Z", day);

      const listed = await db.users.listSignedInDevices([a.id, b.id, a.id]);
      const byUser = (userId: string) => listed.filter((row) => row.userId === userId).map((row) => row.deviceId);
      expect(byUser(a.id)).toEqual([aNew.id, aOld.id]);
      expect(byUser(b.id)).toEqual([bPhone.id]);
      expect(listed).toHaveLength(3);
      expect(await db.users.listSignedInDevices([])).toEqual([]);
    });

    it("sets a push token on a session's device: idempotent, moved from other devices (a push-only one goes), cleared alone", async () => {
      const [a, b] = [await makeUser(db), await makeUser(db)];
      const day = new Date(Date.now() + 86_400_000).toISOString();
      const signedIn = async (userId: string) => {
        const device = await db.users.createDevice({ userId, platform: "web" });
        await db.sessions.create({ userId, deviceId: device.id, expiresAt: day, refreshTokenHash: `rt-${uniq()}`, refreshExpiresAt: day });
        return device;
      };
      const [phone, laptop, other] = [await signedIn(a.id), await signedIn(a.id), await signedIn(b.id)];
      const token = `tok-${uniq()}`;
      const pushOnly = await db.users.upsertDevice({ userId: b.id, platform: "ios", pushToken: token });

      expect(await db.users.setPushToken({ userId: a.id, deviceId: other.id, platform: "android", pushToken: token })).toBeNull();
      const set = await db.users.setPushToken({ userId: a.id, deviceId: phone.id, platform: "android", pushToken: token });
      expect(set).toMatchObject({ id: phone.id, userId: a.id, platform: "android", pushToken: token });
      expect(await db.users.setPushToken({ userId: a.id, deviceId: phone.id, platform: "android", pushToken: token })).toMatchObject({ id: phone.id });
      expect((await db.users.listDevices(a.id)).map((d) => d.id)).toEqual([phone.id]);
      expect(await db.users.listAllDevices(b.id)).toEqual([expect.objectContaining({ id: other.id })]);
      expect(pushOnly.id).not.toBe(phone.id);

      await db.users.setPushToken({ userId: b.id, deviceId: other.id, platform: "ios", pushToken: token });
      await db.users.setPushToken({ userId: a.id, deviceId: laptop.id, platform: "web", pushToken: token });
      expect((await db.users.listDevices(a.id)).map((d) => d.id)).toEqual([laptop.id]);
      expect(await db.users.findDevice(b.id, other.id)).toMatchObject({ pushToken: null });
      expect(await db.users.findDevice(a.id, phone.id)).toMatchObject({ pushToken: null });

      expect(await db.users.clearPushToken(b.id, laptop.id)).toBe(false);
      expect(await db.users.clearPushToken(a.id, laptop.id)).toBe(true);
      expect(await db.users.listDevices(a.id)).toEqual([]);
      expect(await db.users.findDevice(a.id, laptop.id)).not.toBeNull();

      // An unregistered token leaves a signed-in device in place, without push.
      await db.users.setPushToken({ userId: a.id, deviceId: phone.id, platform: "android", pushToken: token });
      expect(await db.users.deleteDeviceByPushToken(token)).toBe(true);
      expect(await db.users.findDevice(a.id, phone.id)).toMatchObject({ pushToken: null });
      expect(await db.users.deleteDeviceByPushToken(token)).toBe(false);
    });
  });
}
