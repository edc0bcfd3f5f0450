import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database, LastMessage, User } from "../../../lib/db";
import { isoIn, makeUser, range, using, type OpenDb } from "./fixtures";

const message = (seq: number, at: string): LastMessage => ({
  id: `m${seq}`,
  seq,
  sender_id: "s",
  content_type: "text/plain",
  body: `hello ${seq}`,
  created_at: at,
});

export function conversationsContract(open: OpenDb): void {
  describe("conversations", () => {
    let db: Database;
    let a: User;
    let b: User;
    let c: User;
    beforeAll(async () => {
      db = await open();
      [a, b, c] = [await makeUser(db), await makeUser(db), await makeUser(db)];
    });
    afterAll(async () => {
      await db.close();
    });

    it("creates one direct conversation per pair, whichever side asks", async () => {
      const first = await db.conversations.createDirect({ createdBy: a.id, otherUserId: b.id });
      const second = await db.conversations.createDirect({ createdBy: b.id, otherUserId: a.id });
      expect(first.created).toBe(true);
      expect(second).toMatchObject({ created: false, conversation: { id: first.conversation.id, type: "direct" } });
      expect(first.conversation.members.map((m) => [m.userId, m.role]).sort()).toEqual(
        [
          [a.id, "member"],
          [b.id, "member"],
        ].sort(),
      );
    });

    it("10 concurrent direct creates for a new pair converge on one conversation", async () => {
      const [x, y] = [await makeUser(db), await makeUser(db)];
      const results = await Promise.all(
        range(10).map((i) =>
          using(open, (conn) => conn.conversations.createDirect(i % 2 ? { createdBy: x.id, otherUserId: y.id } : { createdBy: y.id, otherUserId: x.id })),
        ),
      );
      expect(new Set(results.map((r) => r.conversation.id)).size).toBe(1);
      expect(results.filter((r) => r.created)).toHaveLength(1);
      const id = results[0]?.conversation.id ?? "";
      expect((await db.conversations.get(id))?.members).toHaveLength(2);
    });

    it("keeps a conversation's encryption, with one direct conversation per pair and encryption", async () => {
      const [x, y] = [await makeUser(db), await makeUser(db)];
      const plain = await db.conversations.createDirect({ createdBy: x.id, otherUserId: y.id });
      const sealed = await db.conversations.createDirect({ createdBy: y.id, otherUserId: x.id, encryption: "mls" });
      const again = await db.conversations.createDirect({ createdBy: x.id, otherUserId: y.id, encryption: "mls" });
      expect([plain.conversation.encryption, sealed.conversation.encryption]).toEqual(["none", "mls"]);
      expect(sealed.conversation.id).not.toBe(plain.conversation.id);
      expect(again).toMatchObject({ created: false, conversation: { id: sealed.conversation.id } });
      const group = await db.conversations.createGroup({ createdBy: x.id, name: null, memberIds: [y.id], encryption: "mls" });
      expect((await db.conversations.get(group.id))?.encryption).toBe("mls");
    });

    it("tells which users share a conversation with a viewer, in chunks past D1's parameter limit", async () => {
      const [viewer, partner, stranger] = [await makeUser(db), await makeUser(db), await makeUser(db)];
      await db.conversations.createGroup({ createdBy: partner.id, name: null, memberIds: [viewer.id] });
      const asked = [...range(150).map((i) => `nobody-${i}`), stranger.id, partner.id, partner.id];
      expect(await db.conversations.usersSharingAConversation(viewer.id, asked)).toEqual([partner.id]);
      expect(await db.conversations.usersSharingAConversation(stranger.id, [viewer.id, partner.id])).toEqual([]);
    });

    it("creates a group with the creator as owner and deduplicated members", async () => {
      const group = await db.conversations.createGroup({ createdBy: a.id, name: "team", memberIds: [b.id, c.id, b.id, a.id] });
      expect(group).toMatchObject({ type: "group", name: "team", directKey: null, lastMessageSeq: 0, lastMessage: null });
      const roles = Object.fromEntries(group.members.map((m) => [m.userId, m.role]));
      expect(roles).toEqual({ [a.id]: "owner", [b.id]: "member", [c.id]: "member" });
      expect(await db.conversations.get("missing")).toBeNull();
    });

    it("concurrent atomic writes on one handle stay independent: a failing one leaves no trace and does not undo the other", async () => {
      const [bad, good] = await Promise.allSettled([
        db.conversations.createGroup({ createdBy: a.id, name: "bad", memberIds: ["no-such-user"] }),
        db.conversations.createGroup({ createdBy: a.id, name: "good", memberIds: [b.id] }),
      ]);
      expect(bad.status).toBe("rejected");
      expect(good.status).toBe("fulfilled");
      const names = (await db.conversations.listForUser(a.id, { limit: 500 })).map((x) => x.name);
      expect(names).not.toContain("bad");
      if (good.status === "fulfilled") expect((await db.conversations.get(good.value.id))?.members).toHaveLength(2);
    });

    it("manages members, roles and membership checks", async () => {
      const group = await db.conversations.createGroup({ createdBy: a.id, name: null, memberIds: [] });
      expect(await db.conversations.isMember(group.id, b.id)).toBe(false);
      expect((await db.conversations.addMembers(group.id, [b.id, c.id, a.id])).map((m) => m.userId).sort()).toEqual([b.id, c.id].sort());
      expect(await db.conversations.isMember(group.id, b.id)).toBe(true);
      expect(await db.conversations.setRole(group.id, b.id, "admin")).toMatchObject({ role: "admin" });
      expect((await db.conversations.getMember(group.id, b.id))?.role).toBe("admin");
      expect(await db.conversations.removeMember(group.id, c.id)).toBe(true);
      expect(await db.conversations.removeMember(group.id, c.id)).toBe(false);
      expect(await db.conversations.getMember(group.id, c.id)).toBeNull();
      expect(await db.conversations.setRole(group.id, c.id, "admin")).toBeNull();
    });

    it("finds a device's owner only for the owner and users who share a conversation with them", async () => {
      const [owner, partner, stranger] = [await makeUser(db), await makeUser(db), await makeUser(db)];
      const device = await db.users.createDevice({ userId: owner.id, platform: "web" });
      expect(await db.conversations.deviceOwnerVisibleTo(device.id, owner.id)).toBe(owner.id);
      expect(await db.conversations.deviceOwnerVisibleTo(device.id, partner.id)).toBeNull();
      const group = await db.conversations.createGroup({ createdBy: partner.id, name: null, memberIds: [owner.id] });
      expect(await db.conversations.deviceOwnerVisibleTo(device.id, partner.id)).toBe(owner.id);
      expect(await db.conversations.deviceOwnerVisibleTo(device.id, stranger.id)).toBeNull();
      expect(await db.conversations.deviceOwnerVisibleTo("no-such-device", owner.id)).toBeNull();
      await db.conversations.removeMember(group.id, owner.id);
      expect(await db.conversations.deviceOwnerVisibleTo(device.id, partner.id)).toBeNull();
    });

    it("last message writes converge to the highest seq whatever order they land in", async () => {
      const group = await db.conversations.createGroup({ createdBy: a.id, name: "race", memberIds: [b.id] });
      const at = (s: number) => new Date(Date.parse("2030-01-01T00:00:00.000Z") + s * 1000).toISOString();
      const summary = (m: LastMessage, mode: "newer" | "current") => ({ lastMessage: { message: m, mode }, reads: [] });
      await Promise.all(
        [3, 1, 5, 2, 4, 5, 1].map((s) => using(open, (conn) => conn.conversations.syncListView(group.id, summary(message(s, at(s)), "newer")))),
      );
      await db.conversations.syncListView(group.id, summary(message(2, at(2)), "newer")); // stale: a no-op
      const stored = await db.conversations.get(group.id);
      expect(stored).toMatchObject({ lastMessageSeq: 5, lastActivityAt: at(5), lastMessage: { id: "m5", seq: 5, body: "hello 5" } });
      await db.conversations.syncListView(group.id, summary({ ...message(5, at(5)), body: null }, "current"));
      expect((await db.conversations.get(group.id))?.lastMessage).toMatchObject({ seq: 5, body: null });
      await db.conversations.syncListView(group.id, summary(message(4, at(4)), "current")); // no longer the last one
      expect((await db.conversations.get(group.id))?.lastMessage?.body).toBeNull();
    });

    it("syncListView writes the summary and many watermarks in batches with the same forward-only guards", async () => {
      const members = await Promise.all(range(120).map(() => makeUser(db)));
      const group = await db.conversations.createGroup({ createdBy: a.id, name: "sync", memberIds: members.map((u) => u.id) });
      const at = (s: number) => new Date(Date.parse("2031-01-01T00:00:00.000Z") + s * 1000).toISOString();
      await db.conversations.syncListView(group.id, { reads: [{ userId: members[0]?.id ?? "", seq: 9 }] });
      // 1 summary + 121 watermarks: more than one batch of 100.
      const reads = [a, ...members].map((u, i) => ({ userId: u.id, seq: 1 + (i % 5) }));
      await db.conversations.syncListView(group.id, { lastMessage: { message: message(6, at(6)), mode: "newer" }, reads });
      const stored = await db.conversations.get(group.id);
      expect(stored).toMatchObject({ lastMessageSeq: 6, lastActivityAt: at(6), lastMessage: { seq: 6 } });
      const bySeq = new Map(stored?.members.map((m) => [m.userId, m.lastReadSeq]));
      expect(bySeq.get(members[0]?.id ?? "")).toBe(9); // never moved back
      expect(bySeq.get(members[119]?.id ?? "")).toBe(1 + (120 % 5));
      expect(bySeq.get(a.id)).toBe(1);
      // A stale summary is a no-op; "current" replaces only the message that is still the last one.
      await db.conversations.syncListView(group.id, { lastMessage: { message: message(4, at(4)), mode: "newer" }, reads: [] });
      await db.conversations.syncListView(group.id, { lastMessage: { message: { ...message(5, at(5)), body: "edited" }, mode: "current" }, reads: [] });
      expect((await db.conversations.get(group.id))?.lastMessage).toMatchObject({ seq: 6, body: "hello 6" });
      await db.conversations.syncListView(group.id, { lastMessage: { message: { ...message(6, at(6)), body: null }, mode: "current" }, reads: [] });
      expect((await db.conversations.get(group.id))?.lastMessage).toMatchObject({ seq: 6, body: null });
    });

    it("lists a user's conversations newest first with last message and unread counts, paged", async () => {
      const me = await makeUser(db);
      const older = await db.conversations.createGroup({ createdBy: me.id, name: "older", memberIds: [a.id] }, isoIn(-60_000));
      const newer = await db.conversations.createDirect({ createdBy: me.id, otherUserId: c.id }, isoIn(-30_000));
      await db.conversations.syncListView(older.id, { lastMessage: { message: message(7, isoIn(10_000)), mode: "newer" }, reads: [{ userId: me.id, seq: 3 }] });
      await db.conversations.syncListView(older.id, { reads: [{ userId: me.id, seq: 2 }] }); // backwards: a no-op
      expect((await db.conversations.getMember(older.id, me.id))?.lastReadSeq).toBe(3);
      await db.conversations.syncListView(older.id, { reads: [{ userId: a.id, seq: 9 }] });
      const list = await db.conversations.listForUser(me.id, { limit: 10 });
      expect(list.map((x) => x.id)).toEqual([older.id, newer.conversation.id]);
      expect(list[0]).toMatchObject({ lastMessageSeq: 7, lastMessage: { seq: 7 }, unreadCount: 4, lastReadSeq: 3, role: "owner" });
      expect(list[0]?.members).toHaveLength(2);
      expect(list[1]).toMatchObject({ unreadCount: 0, lastMessage: null, type: "direct" });
      const first = list[0];
      if (!first) throw new Error("empty list");
      const page2 = await db.conversations.listForUser(me.id, { limit: 10, before: { lastActivityAt: first.lastActivityAt, id: first.id } });
      expect(page2.map((x) => x.id)).toEqual([newer.conversation.id]);
      const aView = (await db.conversations.listForUser(a.id, { limit: 100 })).find((x) => x.id === older.id);
      expect(aView?.unreadCount).toBe(0); // read past the stored last message: never negative
    });

    it("tells each reader whether they block the sender of the shared last message", async () => {
      const [reader, sender, other] = [await makeUser(db), await makeUser(db), await makeUser(db)];
      const group = await db.conversations.createGroup({ createdBy: other.id, name: "blocks", memberIds: [reader.id, sender.id] });
      await db.conversations.syncListView(group.id, { lastMessage: { message: { ...message(1, isoIn(0)), sender_id: sender.id }, mode: "newer" }, reads: [] });
      const flag = async (userId: string) =>
        (await db.conversations.listForUser(userId, { limit: 10 })).find((x) => x.id === group.id)?.lastMessageSenderBlocked;
      await db.accountControls.block(reader.id, sender.id);
      await db.accountControls.block(sender.id, other.id); // the other way round marks nothing for its reader
      expect([await flag(reader.id), await flag(sender.id), await flag(other.id)]).toEqual([true, false, false]);
      await db.accountControls.unblock(reader.id, sender.id);
      expect(await flag(reader.id)).toBe(false);
    });
  });
}
