import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database, User } from "../../../lib/db";
import { isoIn, makeUser, range, uniq, using, type OpenDb } from "./fixtures";

const HOUR = 3_600_000;

export function accountControlsContract(open: OpenDb): void {
  describe("account controls: email changes, blocks, mutes", () => {
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

    it("changes the email once per token, verifies it and spends the old address's tokens", async () => {
      const user = await makeUser(db);
      const verify = `vt-${uniq()}`;
      await db.sessions.createEmailToken({ tokenHash: verify, userId: user.id, purpose: "verify", expiresAt: isoIn(HOUR) });
      const token = `ec-${uniq()}`;
      const newEmail = `New-${uniq()}@Example.com`;
      await db.accountControls.requestEmailChange({ tokenHash: token, userId: user.id, newEmail, expiresAt: isoIn(HOUR) });
      const result = await db.accountControls.confirmEmailChange(token);
      expect(result).toMatchObject({ status: "changed", previousEmail: user.email, user: { id: user.id, email: newEmail, emailVerified: true } });
      expect((await db.users.findByEmail(newEmail.toLowerCase()))?.id).toBe(user.id);
      expect(await db.users.findByEmail(user.email)).toBeNull();
      expect(await db.accountControls.confirmEmailChange(token)).toEqual({ status: "invalid" });
      expect(await db.sessions.consumeEmailToken(verify, "verify")).toBeNull();
    });

    it("only the newest requested change works, an expired one never, and a taken address is refused", async () => {
      const user = await makeUser(db);
      const [first, second, expired] = [`ec-${uniq()}`, `ec-${uniq()}`, `ec-${uniq()}`];
      await db.accountControls.requestEmailChange({ tokenHash: first, userId: user.id, newEmail: `x${uniq()}@example.com`, expiresAt: isoIn(HOUR) });
      await db.accountControls.requestEmailChange({ tokenHash: second, userId: user.id, newEmail: b.email, expiresAt: isoIn(HOUR) });
      expect(await db.accountControls.confirmEmailChange(first)).toEqual({ status: "invalid" });
      expect(await db.accountControls.confirmEmailChange(second)).toEqual({ status: "taken" });
      expect((await db.users.findById(user.id))?.email).toBe(user.email);
      await db.accountControls.requestEmailChange({ tokenHash: expired, userId: user.id, newEmail: `y${uniq()}@example.com`, expiresAt: isoIn(-1000) });
      expect(await db.accountControls.confirmEmailChange(expired)).toEqual({ status: "invalid" });
    });

    it("two racing confirmations of one token change the email once", async () => {
      const user = await makeUser(db);
      const token = `ec-${uniq()}`;
      await db.accountControls.requestEmailChange({ tokenHash: token, userId: user.id, newEmail: `r${uniq()}@example.com`, expiresAt: isoIn(HOUR) });
      const results = await Promise.all(range(4).map(() => using(open, (h) => h.accountControls.confirmEmailChange(token))));
      expect(results.filter((r) => r.status === "changed")).toHaveLength(1);
    });

    it("two accounts confirming a move to the same address at once: one moves, the other is told it is taken, never an error", async () => {
      const [x, y] = [await makeUser(db), await makeUser(db)];
      const wanted = `both-${uniq()}@example.com`;
      const [tx, ty] = [`ec-${uniq()}`, `ec-${uniq()}`];
      await db.accountControls.requestEmailChange({ tokenHash: tx, userId: x.id, newEmail: wanted, expiresAt: isoIn(HOUR) });
      await db.accountControls.requestEmailChange({ tokenHash: ty, userId: y.id, newEmail: wanted, expiresAt: isoIn(HOUR) });
      const results = await Promise.all([tx, ty].map((token) => using(open, (h) => h.accountControls.confirmEmailChange(token))));
      expect(results.map((r) => r.status).sort()).toEqual(["changed", "taken"]);
      const winner = results.find((r) => r.status === "changed");
      const holder = await db.users.findByEmail(wanted);
      expect(holder?.id).toBe(winner?.status === "changed" ? winner.user.id : "none");
      const loserId = holder?.id === x.id ? y.id : x.id;
      const loserEmail = loserId === x.id ? x.email : y.email;
      expect((await db.users.findById(loserId))?.email).toBe(loserEmail);
    });

    it("blocks are idempotent, listed newest first, reversible and directional", async () => {
      expect(await db.accountControls.block(a.id, b.id, isoIn(0))).toBe(true);
      expect(await db.accountControls.block(a.id, b.id)).toBe(false);
      expect(await db.accountControls.block(a.id, c.id, isoIn(1000))).toBe(true);
      expect((await db.accountControls.listBlocked(a.id)).map((x) => x.blockedId)).toEqual([c.id, b.id]);
      expect(await db.accountControls.blockedEitherWay(b.id, a.id)).toBe(true);
      expect(await db.accountControls.blockedEitherWay(b.id, c.id)).toBe(false);
      expect([...(await db.accountControls.blockersOf(b.id, [a.id, c.id]))]).toEqual([a.id]);
      expect([...(await db.accountControls.blockersOf(a.id, [b.id, c.id]))]).toEqual([]);
      expect([...(await db.accountControls.hiddenFrom(b.id, [a.id, c.id]))]).toEqual([a.id]);
      expect([...(await db.accountControls.hiddenFrom(a.id, [b.id, c.id]))].sort()).toEqual([b.id, c.id].sort());
      expect(await db.accountControls.unblock(a.id, b.id)).toBe(true);
      expect(await db.accountControls.unblock(a.id, b.id)).toBe(false);
      expect(await db.accountControls.blockedEitherWay(a.id, b.id)).toBe(false);
      expect(await db.accountControls.unblock(a.id, c.id)).toBe(true);
    });

    it("answers the blocks among a member list, beyond one statement's bindings, and the conversations a pair shares", async () => {
      const [x, y, z, outsider] = [await makeUser(db), await makeUser(db), await makeUser(db), await makeUser(db)];
      await db.accountControls.block(x.id, y.id);
      await db.accountControls.block(z.id, x.id);
      await db.accountControls.block(y.id, outsider.id);
      const members = [...range(150).map((i) => `nobody-${i}`), x.id, y.id, z.id];
      const pairs = (await db.accountControls.blocksAmong(members)).map((p) => `${p.blockerId}>${p.blockedId}`).sort();
      expect(pairs).toEqual([`${x.id}>${y.id}`, `${z.id}>${x.id}`].sort());
      expect(await db.accountControls.blocksAmong([])).toEqual([]);

      const { conversation: pair } = await db.conversations.createDirect({ createdBy: x.id, otherUserId: y.id });
      const group = await db.conversations.createGroup({ createdBy: x.id, memberIds: [y.id, z.id], name: "g" });
      const other = await db.conversations.createGroup({ createdBy: x.id, memberIds: [z.id], name: "h" });
      expect((await db.accountControls.sharedConversationIds(y.id, x.id)).sort()).toEqual([pair.id, group.id].sort());
      expect((await db.accountControls.sharedConversationIds(x.id, z.id)).sort()).toEqual([group.id, other.id].sort());
      expect(await db.accountControls.sharedConversationIds(y.id, outsider.id)).toEqual([]);
    });

    it("finds the direct conversation of a pair, whichever side asks", async () => {
      const [x, y] = [await makeUser(db), await makeUser(db)];
      expect(await db.accountControls.directConversationId(x.id, y.id)).toBeNull();
      const { conversation } = await db.conversations.createDirect({ createdBy: x.id, otherUserId: y.id });
      expect(await db.accountControls.directConversationId(y.id, x.id)).toBe(conversation.id);
    });

    it("answers the blockers among more users than one statement can bind", async () => {
      const sender = await makeUser(db);
      const many = [...range(150).map((i) => `nobody-${i}`), a.id];
      await db.accountControls.block(a.id, sender.id);
      expect([...(await db.accountControls.blockersOf(sender.id, many))]).toEqual([a.id]);
      expect([...(await db.accountControls.hiddenFrom(sender.id, many))]).toEqual([a.id]);
    });

    it("mutes per user with an optional end; an expired mute no longer counts", async () => {
      const { conversation } = await db.conversations.createDirect({ createdBy: b.id, otherUserId: c.id });
      await db.accountControls.mute(conversation.id, b.id, null);
      await db.accountControls.mute(conversation.id, c.id, isoIn(HOUR));
      expect([...(await db.accountControls.mutedAmong(conversation.id, [b.id, c.id]))].sort()).toEqual([b.id, c.id].sort());
      expect(await db.accountControls.mutesOf(b.id, [conversation.id])).toEqual(new Map([[conversation.id, null]]));
      await db.accountControls.mute(conversation.id, c.id, isoIn(-1000));
      expect([...(await db.accountControls.mutedAmong(conversation.id, [b.id, c.id]))]).toEqual([b.id]);
      expect((await db.accountControls.mutesOf(c.id, [conversation.id])).size).toBe(0);
      expect(await db.accountControls.unmute(conversation.id, b.id)).toBe(true);
      expect(await db.accountControls.unmute(conversation.id, b.id)).toBe(false);
      expect((await db.accountControls.mutedAmong(conversation.id, [b.id])).size).toBe(0);
    });
  });
}
