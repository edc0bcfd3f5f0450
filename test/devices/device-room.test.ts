import { runInDurableObject } from "cloudflare:test";
import { describe, it } from "vitest";
import { DEVICE_STREAM_LIMITS, type StreamEntry } from "../../lib/contracts/device-stream";
import { MailboxStore } from "../../workers/chat/src/devices/mailbox-store";
import { StreamStore } from "../../workers/chat/src/devices/stream-store";
import { accepted, conversationEvent, deviceRoom, keysEvent, newDeviceId, openRoomSocket } from "./device-client";

/** The DeviceRoom itself, as the chat worker reaches it (headers set after the gateway verified the token). */
describe("DeviceRoom: stream, resume and reset", () => {
  it("coalesces conversation changes: 5 messages in one conversation resume as one entry, at a new position", async ({ expect }) => {
    const [userId, deviceId] = ["u-coalesce", newDeviceId()];
    const room = deviceRoom(deviceId);
    const live = await accepted(await openRoomSocket(userId, deviceId));
    expect(live.hello).toEqual({ type: "hello", device_id: deviceId, position: 0 });

    for (let seq = 1; seq <= 5; seq++) await room.publish(userId, [conversationEvent("c-a", seq)]);
    await room.publish(userId, [keysEvent(3), conversationEvent("c-b", 1), { kind: "read", conversation_id: "c-a", seq: 4 }]);
    // Live: one `events` frame per publish.
    const liveFrames = await Promise.all(Array.from({ length: 6 }, () => live.socket.next("events")));
    expect(liveFrames.map((f) => f.entries.length)).toEqual([1, 1, 1, 1, 1, 3]);
    await live.socket.end();

    const resumed = await accepted(await openRoomSocket(userId, deviceId, 0));
    expect(resumed.hello.position).toBe(8);
    const { entries } = await resumed.socket.next("events");
    const summary = (e: StreamEntry) => [e.pos, e.event.kind, "conversation_id" in e.event ? e.event.conversation_id : null];
    expect(entries.map(summary)).toEqual([
      [5, "conversation", "c-a"],
      [6, "keys", null],
      [7, "conversation", "c-b"],
      [8, "read", "c-a"],
    ]);
    expect(entries[0]?.event).toMatchObject({ kind: "conversation", last_seq: 5 });

    // From a position in the middle: only what came after it; from the newest: nothing, no reset.
    const middle = await accepted(await openRoomSocket(userId, deviceId, 6));
    expect((await middle.socket.next("events")).entries.map((e) => e.pos)).toEqual([7, 8]);
    const current = await accepted(await openRoomSocket(userId, deviceId, 8));
    await current.socket.settle();
    expect(current.socket.pending()).toEqual([]);
    await Promise.all([resumed.socket.end(), middle.socket.end(), current.socket.end()]);
  });

  it("answers reset for a position ahead of the stream, and for one older than what is kept (pruned by age)", async ({ expect }) => {
    const [userId, deviceId] = ["u-reset", newDeviceId()];
    const room = deviceRoom(deviceId);
    await room.publish(userId, [keysEvent(1), keysEvent(2)]);

    const ahead = await accepted(await openRoomSocket(userId, deviceId, 99));
    expect(ahead.hello.position).toBe(2);
    expect(await ahead.socket.next("reset")).toEqual({ type: "reset", position: 2 });
    await ahead.socket.settle();
    expect(ahead.socket.pending()).toEqual([]);

    // Age the first entry past the retention window: the next resume prunes it, so position 0 missed something.
    await runInDurableObject(room, (_instance, state) => {
      state.storage.sql.exec("UPDATE stream SET at = ? WHERE pos = 1", Date.now() - DEVICE_STREAM_LIMITS.retentionMs - 1);
    });
    const old = await accepted(await openRoomSocket(userId, deviceId, 0));
    expect(await old.socket.next("reset")).toEqual({ type: "reset", position: 2 });
    const fromKept = await accepted(await openRoomSocket(userId, deviceId, 1));
    expect((await fromKept.socket.next("events")).entries.map((e) => e.pos)).toEqual([2]);
    await Promise.all([ahead.socket.end(), old.socket.end(), fromKept.socket.end()]);
  });

  it("keeps at most retainedEntries and drops entries older than retentionMs, remembering what it dropped", async ({ expect }) => {
    await runInDurableObject(deviceRoom(newDeviceId()), (_instance, state) => {
      const stream = new StreamStore(state.storage.sql);
      const now = Date.now();
      const total = DEVICE_STREAM_LIMITS.retainedEntries + 5;
      const added = stream.append(
        Array.from({ length: total }, (_, i) => keysEvent(i)),
        now,
      );
      expect(added).toHaveLength(DEVICE_STREAM_LIMITS.retainedEntries);
      const rows = () => state.storage.sql.exec<{ n: number; low: number }>("SELECT COUNT(*) AS n, MIN(pos) AS low FROM stream").one();
      expect(rows()).toEqual({ n: DEVICE_STREAM_LIMITS.retainedEntries, low: 6 });
      expect([stream.canResume(4), stream.canResume(5), stream.canResume(total), stream.canResume(total + 1)]).toEqual([false, true, true, false]);

      // A month later, one more entry: everything older goes, and only a resume from the newest positions works.
      stream.append([keysEvent(0)], now + DEVICE_STREAM_LIMITS.retentionMs + 1);
      expect(rows()).toEqual({ n: 1, low: total + 1 });
      expect([stream.canResume(total - 1), stream.canResume(total), stream.position]).toEqual([false, true, total + 1]);
      expect(state.storage.sql.exec<{ entries: number }>("SELECT entries FROM state").one().entries).toBe(1);
    });
  });

  it("refuses another user on a device it knows, and drops their publishes", async ({ expect }) => {
    const deviceId = newDeviceId();
    const owner = await accepted(await openRoomSocket("u-owner", deviceId));
    const stranger = await openRoomSocket("u-stranger", deviceId);
    expect(stranger.status).toBe(404);
    expect(stranger.webSocket).toBeNull();
    expect(await stranger.json()).toMatchObject({ error: { code: "NOT_FOUND" } });
    await deviceRoom(deviceId).publish("u-stranger", [keysEvent(1)]);
    expect(await deviceRoom(deviceId).listMail("u-stranger")).toMatchObject({ ok: false, error: { code: "NOT_FOUND" } });
    await owner.socket.settle();
    expect(owner.socket.pending()).toEqual([]);
    await owner.socket.end();
    const again = await accepted(await openRoomSocket("u-owner", deviceId, 0));
    expect(again.hello.position).toBe(0);
    await again.socket.end();
  });

  it("refuses a bad since, a missing identity and a plain request, with the error envelope", async ({ expect }) => {
    const deviceId = newDeviceId();
    for (const since of ["-1", "1.5", "abc", "1234567890123456"]) expect((await openRoomSocket("u-q", deviceId, since)).status).toBe(400);
    expect((await deviceRoom(deviceId).fetch("https://device/connect", { headers: { upgrade: "websocket" } })).status).toBe(401);
    const plain = await deviceRoom(deviceId).fetch("https://device/connect", { headers: { "x-sc-verified-user": "u-q", "x-sc-verified-device": deviceId } });
    expect(plain.status).toBe(400);
  });
});

describe("DeviceRoom: mailbox", () => {
  it("delivers unacknowledged entries on every connect until acked, live entries at once, and acks delete", async ({ expect }) => {
    const [userId, deviceId] = ["u-mail", newDeviceId()];
    const room = deviceRoom(deviceId);
    const posted = await room.postMail({ fromUserId: "u-friend", fromDeviceId: "d-friend", payload: "aGVsbG8" });
    expect(posted).toMatchObject({ ok: true, value: { id: expect.any(String) } });
    const id = posted.ok ? posted.value.id : "";

    const first = await accepted(await openRoomSocket(userId, deviceId));
    expect((await first.socket.next("mailbox")).entries).toEqual([
      { id, from_user_id: "u-friend", from_device_id: "d-friend", payload: "aGVsbG8", created_at: expect.any(String) },
    ]);
    await first.socket.end();

    const second = await accepted(await openRoomSocket(userId, deviceId));
    expect((await second.socket.next("mailbox")).entries.map((e) => e.id)).toEqual([id]);
    const live = await room.postMail({ fromUserId: userId, fromDeviceId: "d-own-other", payload: "c2Vjb25k" });
    const liveId = live.ok ? live.value.id : "";
    expect((await second.socket.next("mailbox")).entries.map((e) => e.id)).toEqual([liveId]);
    // Unknown ids and repeats are ignored.
    second.socket.send({ type: "mailbox_ack", ids: [id, "no-such-entry", id] });
    await second.socket.settle();
    expect(second.socket.pending()).toEqual([]);
    await second.socket.end();

    const third = await accepted(await openRoomSocket(userId, deviceId));
    expect((await third.socket.next("mailbox")).entries.map((e) => e.id)).toEqual([liveId]);
    expect(await room.ackMail(userId, [liveId])).toEqual({ ok: true, value: null });
    expect(await room.listMail(userId)).toEqual({ ok: true, value: { entries: [], has_more: false } });
    await third.socket.end();
    const fourth = await accepted(await openRoomSocket(userId, deviceId));
    await fourth.socket.settle();
    expect(fourth.socket.pending()).toEqual([]);
    await fourth.socket.end();
  });

  it("refuses a post to a full mailbox with RATE_LIMITED, and takes more once entries are acked", async ({ expect }) => {
    const [userId, deviceId] = ["u-full", newDeviceId()];
    const room = deviceRoom(deviceId);
    await runInDurableObject(room, (_instance, state) => {
      const mailbox = new MailboxStore(state.storage.sql);
      for (let i = 0; i < DEVICE_STREAM_LIMITS.maxMailboxEntries; i++) mailbox.add({ userId: "u-x", deviceId: "d-x" }, `p${i}`);
    });
    const full = await room.postMail({ fromUserId: "u-x", fromDeviceId: "d-x", payload: "bW9yZQ" });
    expect(full).toMatchObject({ ok: false, error: { code: "RATE_LIMITED" } });
    const page = await room.listMail(userId);
    if (!page.ok) throw new Error("listMail failed");
    expect(page.value.entries).toHaveLength(DEVICE_STREAM_LIMITS.maxAckIds);
    expect(page.value.has_more).toBe(true);
    expect(page.value.entries[0]?.payload).toBe("p0");
    expect(
      await room.ackMail(
        userId,
        page.value.entries.map((e) => e.id),
      ),
    ).toEqual({ ok: true, value: null });
    expect(await room.postMail({ fromUserId: "u-x", fromDeviceId: "d-x", payload: "bW9yZQ" })).toMatchObject({ ok: true });
    expect(await room.ackMail(userId, [])).toMatchObject({ ok: false, error: { code: "VALIDATION_ERROR" } });
  });

  it("refuses payloads that are not base64url or too large", async ({ expect }) => {
    const room = deviceRoom(newDeviceId());
    for (const payload of ["", "not base64!", "a".repeat(DEVICE_STREAM_LIMITS.maxMailboxPayloadChars + 1)]) {
      expect(await room.postMail({ fromUserId: "u-x", fromDeviceId: "d-x", payload })).toMatchObject({ ok: false, error: { code: "VALIDATION_ERROR" } });
    }
  });
});

describe("DeviceRoom: hostile frames", () => {
  it("answers every bad frame with an error frame and keeps the socket open", async ({ expect }) => {
    const deviceId = newDeviceId();
    const { socket } = await accepted(await openRoomSocket("u-hostile", deviceId));
    const cases: [unknown, string][] = [
      ["not json", "BAD_REQUEST"],
      [new TextEncoder().encode('{"type":"ping"}').buffer, "BAD_REQUEST"],
      ["x".repeat(20_000), "PAYLOAD_TOO_LARGE"],
      [{ type: "send", body: "hi" }, "VALIDATION_ERROR"],
      [{ type: "mailbox_ack" }, "VALIDATION_ERROR"],
      [{ type: "mailbox_ack", ids: [] }, "VALIDATION_ERROR"],
      [{ type: "mailbox_ack", ids: Array.from({ length: DEVICE_STREAM_LIMITS.maxAckIds + 1 }, (_, i) => `id-${i}`) }, "VALIDATION_ERROR"],
      [{ type: "mailbox_ack", ids: ["x".repeat(65)] }, "VALIDATION_ERROR"],
      [{ type: "mailbox_ack", ids: ["a"], extra: true }, "VALIDATION_ERROR"],
      ['{"type":"mailbox_ack","ids":["\\ud800"]}', "VALIDATION_ERROR"],
      [[1, 2, 3], "VALIDATION_ERROR"],
    ];
    for (const [frame, code] of cases) {
      socket.send(frame);
      expect(await socket.next("error"), JSON.stringify(frame).slice(0, 80)).toMatchObject({ code });
    }
    await socket.settle();
    expect(socket.closeCode).toBeNull();
    await socket.end();
  });
});
