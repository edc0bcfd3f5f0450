import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database, User } from "../../../lib/db";
import { isoIn, makeUser, range, uniq, using, type OpenDb } from "./fixtures";

const DAY = 86_400_000;

export function sessionsContract(open: OpenDb): void {
  describe("sessions and tokens", () => {
    let db: Database;
    let user: User;
    beforeAll(async () => {
      db = await open();
      user = await makeUser(db);
    });
    afterAll(async () => {
      await db.close();
    });
    const newSession = (refreshTokenHash = `rt-${uniq()}`, refreshExpiresAt = isoIn(30 * DAY)) =>
      db.sessions.create({ userId: user.id, expiresAt: isoIn(30 * DAY), userAgent: "ua", ip: "10.0.0.1", refreshTokenHash, refreshExpiresAt });

    it("creates, lists, touches and revokes sessions", async () => {
      const s1 = await newSession();
      const s2 = await newSession();
      expect(await db.sessions.get(s1.id)).toEqual(s1);
      expect((await db.sessions.listActive(user.id)).map((s) => s.id)).toEqual(expect.arrayContaining([s1.id, s2.id]));
      await db.sessions.touch(s1.id, isoIn(1000));
      expect(await db.sessions.revoke(s1.id, "logout")).toBe(true);
      expect(await db.sessions.revoke(s1.id, "logout")).toBe(false);
      expect(await db.sessions.get(s1.id)).toMatchObject({ revokeReason: "logout" });
      const ids = (await db.sessions.listActive(user.id)).map((s) => s.id);
      expect(ids).toContain(s2.id);
      expect(ids).not.toContain(s1.id);
    });

    it("revokes every session of a user except the one kept", async () => {
      const owner = await makeUser(db);
      const mk = () => db.sessions.create({ userId: owner.id, expiresAt: isoIn(DAY), refreshTokenHash: `rt-${uniq()}`, refreshExpiresAt: isoIn(DAY) });
      const [keep, a, b] = [await mk(), await mk(), await mk()];
      expect((await db.sessions.revokeAllForUser(owner.id, "password_reset", undefined, keep.id)).sort()).toEqual([a.id, b.id].sort());
      expect((await db.sessions.listActive(owner.id)).map((s) => s.id)).toEqual([keep.id]);
      expect(await db.sessions.revokeAllForUser(owner.id, "all")).toEqual([keep.id]);
    });

    it("rotates a refresh token once, then reports reuse", async () => {
      const hash = `rt-${uniq()}`;
      const session = await newSession(hash);
      const next = `rt-${uniq()}`;
      const rotated = await db.sessions.rotateRefreshToken({ tokenHash: hash, newTokenHash: next, newExpiresAt: isoIn(DAY) });
      expect(rotated).toMatchObject({ status: "rotated", session: { id: session.id }, refreshToken: { tokenHash: next, usedAt: null } });
      const reused = await db.sessions.rotateRefreshToken({ tokenHash: hash, newTokenHash: `rt-${uniq()}`, newExpiresAt: isoIn(DAY) });
      expect(reused).toEqual({ status: "reused", sessionId: session.id, userId: user.id });
      expect((await db.sessions.rotateRefreshToken({ tokenHash: next, newTokenHash: `rt-${uniq()}`, newExpiresAt: isoIn(DAY) })).status).toBe("rotated");
    });

    it("refuses unknown, expired and revoked-session refresh tokens", async () => {
      const rotate = (tokenHash: string) => db.sessions.rotateRefreshToken({ tokenHash, newTokenHash: `rt-${uniq()}`, newExpiresAt: isoIn(DAY) });
      expect(await rotate("unknown")).toEqual({ status: "invalid" });
      const expired = `rt-${uniq()}`;
      await newSession(expired, isoIn(-1000));
      expect(await rotate(expired)).toEqual({ status: "invalid" });
      const revokedHash = `rt-${uniq()}`;
      const s = await newSession(revokedHash);
      await db.sessions.revoke(s.id, "logout");
      expect(await rotate(revokedHash)).toEqual({ status: "invalid" });
    });

    it("10 concurrent rotations of one refresh token: exactly one winner, the rest see reuse", async () => {
      const hash = `rt-${uniq()}`;
      const session = await newSession(hash);
      const results = await Promise.all(
        range(10).map(() =>
          using(open, (conn) => conn.sessions.rotateRefreshToken({ tokenHash: hash, newTokenHash: `rt-${uniq()}`, newExpiresAt: isoIn(DAY) })),
        ),
      );
      expect(results.filter((r) => r.status === "rotated")).toHaveLength(1);
      expect(results.filter((r) => r.status === "reused")).toHaveLength(9);
      expect(results.every((r) => r.status !== "reused" || r.sessionId === session.id)).toBe(true);
    });

    it("consumes an email token once, only for its purpose and before expiry", async () => {
      const hash = `et-${uniq()}`;
      await db.sessions.createEmailToken({ tokenHash: hash, userId: user.id, purpose: "verify", expiresAt: isoIn(DAY) });
      expect(await db.sessions.consumeEmailToken(hash, "reset")).toBeNull();
      expect(await db.sessions.consumeEmailToken(hash, "verify")).toMatchObject({ userId: user.id, purpose: "verify" });
      expect(await db.sessions.consumeEmailToken(hash, "verify")).toBeNull();
      const old = `et-${uniq()}`;
      await db.sessions.createEmailToken({ tokenHash: old, userId: user.id, purpose: "reset", expiresAt: isoIn(-1) });
      expect(await db.sessions.consumeEmailToken(old, "reset")).toBeNull();
      const spare = `et-${uniq()}`;
      await db.sessions.createEmailToken({ tokenHash: spare, userId: user.id, purpose: "reset", expiresAt: isoIn(DAY) });
      expect(await db.sessions.invalidateEmailTokens(user.id, "reset")).toBeGreaterThanOrEqual(1);
      expect(await db.sessions.consumeEmailToken(spare, "reset")).toBeNull();
    });

    it("10 concurrent consumptions of one email token or ws ticket: exactly one succeeds", async () => {
      const token = `et-${uniq()}`;
      const ticket = `wt-${uniq()}`;
      await db.sessions.createEmailToken({ tokenHash: token, userId: user.id, purpose: "verify", expiresAt: isoIn(DAY) });
      await db.sessions.createWsTicket({ ticketHash: ticket, userId: user.id, expiresAt: isoIn(60_000) });
      const [tokens, tickets] = await Promise.all([
        Promise.all(range(10).map(() => using(open, (c) => c.sessions.consumeEmailToken(token, "verify")))),
        Promise.all(range(10).map(() => using(open, (c) => c.sessions.consumeWsTicket(ticket)))),
      ]);
      expect(tokens.filter((x) => x !== null)).toHaveLength(1);
      expect(tickets.filter((x) => x !== null)).toEqual([{ ticketHash: ticket, userId: user.id, deviceId: null, expiresAt: expect.any(String) }]);
    });

    it("refuses an expired ws ticket and purges expired rows", async () => {
      const ticket = `wt-${uniq()}`;
      await db.sessions.createWsTicket({ ticketHash: ticket, userId: user.id, expiresAt: isoIn(-1) });
      expect(await db.sessions.consumeWsTicket(ticket)).toBeNull();
      await db.sessions.purgeExpired();
      expect(await db.sessions.consumeWsTicket(ticket, new Date(0).toISOString())).toBeNull();
    });
  });
}
