import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import type { MessageView } from "../../lib/contracts/chat";
import { createUser } from "../helpers/auth";
import { api, connect, createGroup, json, sendRest, ticketFor, upgrade } from "./chat-client";

type Envelope = { error: { code: string; request_id: string } };
type Page = { messages: MessageView[]; has_more: boolean };

describe("chat sockets: who may connect", () => {
  it("refuses forged, spent and missing tickets before the upgrade, with the error envelope", async ({ expect }) => {
    const [alice, bob] = await Promise.all([createUser(), createUser()]);
    const group = await createGroup(alice, [bob]);
    const forged = await upgrade(alice, group.id, { ticket: "forged-ticket-value-123" });
    expect(forged.status).toBe(401);
    expect((await forged.json<Envelope>()).error.code).toBe("UNAUTHORIZED");

    const ticket = await ticketFor(alice);
    const first = await upgrade(alice, group.id, { ticket });
    expect(first.status).toBe(101);
    first.webSocket?.accept();
    first.webSocket?.close(1000, "done");
    const spent = await upgrade(alice, group.id, { ticket });
    expect(spent.status).toBe(401);

    // A client-sent identity header is not an identity.
    const params = new URLSearchParams({ conversation_id: group.id });
    const { exports } = await import("cloudflare:workers");
    const spoofed = await exports.default.fetch(`http://sc.test/v1/ws/chat?${params.toString()}`, {
      headers: { Upgrade: "websocket", "x-sc-verified-user": alice.user.id },
    });
    expect(spoofed.status).toBe(401);
  });

  it("a non-member (or an unknown conversation) gets 404, never a socket", async ({ expect }) => {
    const [alice, bob, eve] = await Promise.all([createUser(), createUser(), createUser()]);
    const group = await createGroup(alice, [bob]);
    const res = await upgrade(eve, group.id);
    expect(res.status).toBe(404);
    expect(res.webSocket).toBeNull();
    expect((await res.json<Envelope>()).error.code).toBe("NOT_FOUND");
    expect((await upgrade(alice, "01900000-0000-7000-8000-00000000dead")).status).toBe(404);
    expect((await upgrade(alice, group.id, { bearer: true, sinceSeq: -1 })).status).toBe(400);
  });

  it("a removed member's socket closes with 4403 and their REST access ends at once", async ({ expect }) => {
    const [owner, bob, carol] = await Promise.all([createUser(), createUser(), createUser()]);
    const group = await createGroup(owner, [bob, carol]);
    const b = await connect(bob, group.id);
    const c = await connect(carol, group.id);
    expect((await api(owner, "DELETE", `/v1/conversations/${group.id}/members/${bob.user.id}`)).status).toBe(204);
    expect(await b.socket.closed()).toBe(4403);
    expect((await api(bob, "GET", `/v1/conversations/${group.id}/messages`)).status).toBe(404);
    expect((await api(bob, "POST", `/v1/conversations/${group.id}/messages`, { client_id: "late", body: "still here?" })).status).toBe(404);
    expect((await upgrade(bob, group.id)).status).toBe(404);
    // Others keep their sockets and do not see anything from bob.
    await sendRest(owner, group.id, { client_id: "after", body: "bob is gone" });
    expect((await c.socket.next("message")).message.body).toBe("bob is gone");
    expect(c.socket.closeCode).toBeNull();
    await c.socket.end();
  });
});

describe("chat sockets: hostile frames", () => {
  it("non-JSON, unknown types, wrong types, binary and oversized frames get an error frame; the socket stays open", async ({ expect }) => {
    const [alice, bob] = await Promise.all([createUser(), createUser()]);
    const group = await createGroup(alice, [bob]);
    const { socket } = await connect(alice, group.id);
    const cases: [unknown, string][] = [
      ["{not json", "BAD_REQUEST"],
      [{ type: "launch_missiles" }, "VALIDATION_ERROR"],
      [{ noType: true }, "VALIDATION_ERROR"],
      [{ type: "send", client_id: 5, body: "x" }, "VALIDATION_ERROR"],
      [{ type: "send", client_id: "c", body: "x", ciphertext: "y" }, "VALIDATION_ERROR"],
      [{ type: "send", client_id: "c" }, "VALIDATION_ERROR"],
      [{ type: "read", seq: "1" }, "VALIDATION_ERROR"],
      [{ type: "send", client_id: "c", body: "x", sender_id: "someone-else" }, "VALIDATION_ERROR"],
      [[1, 2, 3], "VALIDATION_ERROR"],
      ["null", "VALIDATION_ERROR"],
      [{ type: "send", client_id: "big", body: "x".repeat(64 * 1024 + 1) }, "PAYLOAD_TOO_LARGE"],
      ["x".repeat(200 * 1024), "PAYLOAD_TOO_LARGE"],
    ];
    for (const [frame, code] of cases) {
      socket.send(frame);
      expect(await socket.next("error")).toMatchObject({ type: "error", code });
    }
    socket.ws.send(new Uint8Array([1, 2, 3]));
    expect(await socket.next("error")).toMatchObject({ code: "BAD_REQUEST" });
    // Still open and working; nothing was stored by the bad frames.
    socket.send({ type: "send", client_id: "good", body: "fine" });
    expect(await socket.next("ack")).toEqual({ type: "ack", client_id: "good", seq: 1 });
    socket.send({ type: "ping" });
    expect(await socket.next("pong")).toEqual({ type: "pong" });
    await socket.end();
  });

  it("frames over the per-socket rate get RATE_LIMITED error frames, not a close", async ({ expect }) => {
    const [alice, bob] = await Promise.all([createUser(), createUser()]);
    const group = await createGroup(alice, [bob]);
    const { socket } = await connect(alice, group.id);
    for (let i = 0; i < 600; i++) socket.send({ type: "typing" });
    expect(await socket.next("error")).toMatchObject({ code: "RATE_LIMITED" });
    // The bucket refills; the same socket sends again.
    await scheduler.wait(1_000);
    socket.send({ type: "send", client_id: "after-limit", body: "ok" });
    expect(await socket.next("ack")).toMatchObject({ client_id: "after-limit" });
    expect(socket.closeCode).toBeNull();
    await socket.end();
  });
});

describe("chat sockets: delivery guarantees", () => {
  it("reconnect with since_seq replays exactly what was missed, before ready", async ({ expect }) => {
    const [alice, bob] = await Promise.all([createUser(), createUser()]);
    const group = await createGroup(alice, [bob]);
    const first = await connect(bob, group.id);
    for (let i = 1; i <= 3; i++) await sendRest(alice, group.id, { client_id: `before-${i}`, body: `m${i}` });
    const seen: number[] = [];
    while (seen.length < 3) seen.push((await first.socket.next("message")).message.seq);
    await first.socket.end();
    await first.socket.closed();

    for (let i = 4; i <= 7; i++) await sendRest(alice, group.id, { client_id: `while-away-${i}`, body: `m${i}` });
    // Changes to messages bob already had are not missed either.
    expect((await api(alice, "PATCH", `/v1/conversations/${group.id}/messages/2`, { body: "m2 edited" })).status).toBe(200);
    expect((await api(alice, "DELETE", `/v1/conversations/${group.id}/messages/3`)).status).toBe(200);
    const again = await connect(bob, group.id, { sinceSeq: Math.max(...seen) });
    const updates = again.socket.frames.flatMap((f) => (f.type === "message_updated" ? [f.message] : []));
    expect(updates.map((m) => [m.seq, m.body, m.deleted])).toEqual([
      [2, "m2 edited", false],
      [3, null, true],
    ]);
    const replayed = again.socket.frames.filter((f) => f.type === "message").map((f) => (f.type === "message" ? f.message.seq : 0));
    expect(replayed).toEqual([4, 5, 6, 7]);
    expect(again.ready.last_seq).toBe(7);
    await sendRest(alice, group.id, { client_id: "live", body: "m8" });
    expect((await again.socket.next("message", (f) => f.message.seq === 8)).message.body).toBe("m8");
    const all = [...seen, ...replayed, 8];
    expect(all).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    await again.socket.end();
  });

  it("a room that restarts loses no acknowledged message; clients resume with since_seq", async ({ expect }) => {
    const [alice, bob] = await Promise.all([createUser(), createUser()]);
    const group = await createGroup(alice, [bob]);
    const a = await connect(alice, group.id);
    const acked: number[] = [];
    const seqOf = new Map<string, number>();
    for (let i = 1; i <= 20; i++) a.socket.send({ type: "send", client_id: `d-${i}`, body: `durable ${i}` });
    while (acked.length < 20) {
      const ack = await a.socket.next("ack");
      acked.push(ack.seq);
      seqOf.set(ack.client_id, ack.seq);
    }

    // Restart only this room (other test files may be using their own objects meanwhile).
    const room = env.CONVERSATION_ROOM.get(env.CONVERSATION_ROOM.idFromName(group.id));
    const aborted = await runInDurableObject(room, (_instance, state) => state.abort("restart under test")).then(
      () => false,
      () => true,
    );
    expect(aborted).toBe(true);
    expect(await a.socket.closed()).toBeGreaterThan(0);

    const resumed = await connect(bob, group.id, { sinceSeq: 0 });
    const replayed = resumed.socket.frames.filter((f) => f.type === "message").map((f) => (f.type === "message" ? f.message.seq : 0));
    expect(replayed).toEqual(acked.sort((x, y) => x - y));
    expect(resumed.ready.last_seq).toBe(20);
    // The seq counter continues without a gap after the restart.
    const next = await sendRest(alice, group.id, { client_id: "post-restart", body: "still counting" });
    expect(next.message.seq).toBe(21);
    // Dedupe survives the restart too.
    expect(await sendRest(alice, group.id, { client_id: "d-5", body: "again" })).toMatchObject({
      status: 200,
      message: { seq: seqOf.get("d-5"), body: "durable 5" },
    });
    const page = await json<Page>(await api(bob, "GET", `/v1/conversations/${group.id}/messages?limit=100`), 200);
    expect(page.messages).toHaveLength(21);
    // Alice's socket died with the room (no close event ran): the restarted room reports her gone.
    let status = "";
    for (let i = 0; i < 300 && status !== "offline"; i++) {
      const body = await json<{ presence: { status: string }[] }>(await api(bob, "GET", `/v1/presence?user_ids=${alice.user.id}`), 200);
      status = body.presence[0]?.status ?? "";
      if (status !== "offline") await scheduler.wait(20);
    }
    expect(status).toBe("offline");
    await resumed.socket.end();
  });
});
