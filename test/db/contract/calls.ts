import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database, User } from "../../../lib/db";
import { makeUser, type OpenDb } from "./fixtures";

export function callsContract(open: OpenDb): void {
  describe("calls", () => {
    let db: Database;
    let a: User;
    let b: User;
    let c: User;
    let conversationId: string;
    beforeAll(async () => {
      db = await open();
      [a, b, c] = [await makeUser(db), await makeUser(db), await makeUser(db)];
      conversationId = (await db.conversations.createGroup({ createdBy: a.id, name: "calls", memberIds: [b.id, c.id] })).id;
    });
    afterAll(async () => {
      await db.close();
    });

    it("creates a ringing call with the initiator joined and the others pending", async () => {
      const call = await db.calls.create({ conversationId, type: "video", initiatorId: a.id, participantIds: [a.id, b.id, c.id] });
      expect(call).toMatchObject({ status: "ringing", type: "video", initiatorId: a.id, startedAt: null, durationSeconds: null });
      const outcomes = Object.fromEntries(call.participants.map((p) => [p.userId, p.outcome]));
      expect(outcomes).toEqual({ [a.id]: "joined", [b.id]: "pending", [c.id]: "pending" });
      expect(await db.calls.get(call.id)).toEqual(call);
      expect(await db.calls.get("missing")).toBeNull();
    });

    it("adds a late participant as pending, once (a repeat changes nothing)", async () => {
      const call = await db.calls.create({ conversationId, type: "audio", initiatorId: a.id, participantIds: [a.id, b.id] });
      await db.calls.addParticipant(call.id, c.id);
      await db.calls.updateParticipant(call.id, c.id, { outcome: "joined", joinedAt: new Date().toISOString() });
      await db.calls.addParticipant(call.id, c.id);
      const outcomes = Object.fromEntries((await db.calls.get(call.id))?.participants.map((p) => [p.userId, p.outcome]) ?? []);
      expect(outcomes).toEqual({ [a.id]: "joined", [b.id]: "pending", [c.id]: "joined" });
    });

    it("runs ringing → active → ended once, recording duration and missed participants", async () => {
      const t0 = Date.parse("2031-05-01T10:00:00.000Z");
      const at = (s: number) => new Date(t0 + s * 1000).toISOString();
      const call = await db.calls.create({ conversationId, type: "audio", initiatorId: a.id, participantIds: [b.id, c.id] }, at(0));
      expect(await db.calls.updateParticipant(call.id, b.id, { outcome: "joined", joinedAt: at(5) }, ["pending"])).toMatchObject({ outcome: "joined" });
      expect(await db.calls.updateParticipant(call.id, b.id, { outcome: "declined" }, ["pending"])).toBeNull();
      expect(await db.calls.markActive(call.id, at(5))).toMatchObject({ status: "active", startedAt: at(5) });
      expect(await db.calls.markActive(call.id, at(6))).toBeNull();
      const ended = await db.calls.end(call.id, "hangup", at(65));
      expect(ended).toMatchObject({ status: "ended", endReason: "hangup", endedAt: at(65), durationSeconds: 60 });
      expect(await db.calls.end(call.id, "again", at(70))).toBeNull();
      const stored = await db.calls.get(call.id);
      const byUser = Object.fromEntries((stored?.participants ?? []).map((p) => [p.userId, p]));
      expect(byUser[c.id]).toMatchObject({ outcome: "missed", joinedAt: null });
      expect(byUser[b.id]).toMatchObject({ outcome: "joined", leftAt: at(65) });
    });

    it("ends an unanswered call with no duration", async () => {
      const call = await db.calls.create({ conversationId, type: "audio", initiatorId: a.id, participantIds: [b.id] });
      expect(await db.calls.end(call.id, "timeout")).toMatchObject({ status: "ended", durationSeconds: null, endReason: "timeout" });
    });

    it("lists a conversation's calls newest first with a per-user missed flag", async () => {
      const conv = (await db.conversations.createGroup({ createdBy: a.id, name: null, memberIds: [b.id] })).id;
      const first = await db.calls.create({ conversationId: conv, type: "audio", initiatorId: a.id, participantIds: [b.id] }, "2032-01-01T00:00:00.000Z");
      await db.calls.end(first.id, "timeout", "2032-01-01T00:01:00.000Z");
      const second = await db.calls.create({ conversationId: conv, type: "video", initiatorId: b.id, participantIds: [a.id] }, "2032-01-02T00:00:00.000Z");
      const forB = await db.calls.listForConversation(conv, b.id, { limit: 10 });
      expect(forB.map((x) => [x.id, x.missed])).toEqual([
        [second.id, false],
        [first.id, true],
      ]);
      expect(forB[1]?.participants).toHaveLength(2);
      const forA = await db.calls.listForConversation(conv, a.id, { limit: 1 });
      expect(forA.map((x) => [x.id, x.missed])).toEqual([[second.id, false]]);
      const older = await db.calls.listForConversation(conv, a.id, { limit: 10, before: second.createdAt });
      expect(older.map((x) => x.id)).toEqual([first.id]);
    });

    it("leaves out calls started by someone the reader blocks, unless the reader joined them", async () => {
      const [reader, blocked, other] = [await makeUser(db), await makeUser(db), await makeUser(db)];
      const conv = (await db.conversations.createGroup({ createdBy: other.id, name: null, memberIds: [reader.id, blocked.id] })).id;
      const call = (initiatorId: string, participantIds: string[], at: string) =>
        db.calls.create({ conversationId: conv, type: "audio", initiatorId, participantIds }, at);
      const joined = await call(blocked.id, [reader.id, other.id], "2033-01-01T00:00:00.000Z");
      await db.calls.updateParticipant(joined.id, reader.id, { outcome: "joined", joinedAt: "2033-01-01T00:00:05.000Z" });
      const byOther = await call(other.id, [reader.id, blocked.id], "2033-01-02T00:00:00.000Z");
      const rung = await call(blocked.id, [reader.id, other.id], "2033-01-03T00:00:00.000Z");
      await db.accountControls.block(reader.id, blocked.id);
      const ids = async (userId: string, limit = 10) => (await db.calls.listForConversation(conv, userId, { limit })).map((x) => x.id);
      expect(await ids(reader.id)).toEqual([byOther.id, joined.id]);
      // The newest call is left out by the query itself: a page of 2 still holds 2.
      expect(await ids(reader.id, 2)).toEqual([byOther.id, joined.id]);
      expect(await ids(other.id)).toEqual([rung.id, byOther.id, joined.id]);
      expect(await ids(blocked.id)).toEqual([rung.id, byOther.id, joined.id]);
      await db.accountControls.unblock(reader.id, blocked.id);
      expect(await ids(reader.id)).toEqual([rung.id, byOther.id, joined.id]);
    });
  });
}
