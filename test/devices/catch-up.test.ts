import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import type { ConversationListItemView } from "../../lib/contracts/chat";
import type { DeviceEvent } from "../../lib/contracts/device-stream";
import { onlineDevicesOf } from "../../workers/chat/src/presence/presence-shards";
import { api, createGroup, json, sendRest, ticketFor } from "../chat/chat-client";
import { createUser, type TestUser } from "../helpers/auth";
import { accepted, deviceRoom, upgradeEvents, type DeviceSocket } from "./device-client";

/** Polls until `done` or the deadline (for what other objects do asynchronously: presence, the list sync, the repeat). */
async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string, deadlineMs = 20_000): Promise<T> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await scheduler.wait(50);
  }
}

const openEvents = async (user: TestUser, query: Record<string, string> = {}) => accepted(await upgradeEvents({ ticket: await ticketFor(user) }, query));

/** Closes the stream and waits until presence no longer lists the device (rooms then publish nothing to it). */
async function goOffline(user: TestUser, socket: DeviceSocket, deviceId: string): Promise<void> {
  await socket.end();
  await eventually(
    () => onlineDevicesOf(env, [user.user.id]),
    (list) => !list.some((o) => o.device_ids.includes(deviceId)),
    "the device to go offline",
  );
}

/** Waits until the user's list (REST, the database view) shows these last seqs: the catch-up reads that view. */
async function listShows(user: TestUser, seqs: Record<string, number>): Promise<void> {
  await eventually(
    async () => (await json<{ conversations: ConversationListItemView[] }>(await api(user, "GET", "/v1/conversations?limit=50"), 200)).conversations,
    (list) => Object.entries(seqs).every(([id, seq]) => list.find((c) => c.id === id)?.last_message?.seq === seq),
    "the list sync",
  );
}

/** Events of every `events` frame received so far (after a ping round trip), consumed. */
async function received(socket: DeviceSocket): Promise<DeviceEvent[][]> {
  await socket.settle();
  return socket.frames.splice(0).flatMap((f) => (f.type === "events" ? [f.entries.map((e) => e.event)] : []));
}

const repeatDone = (deviceId: string) =>
  runInDurableObject(
    deviceRoom(deviceId),
    (_instance, state) => state.storage.sql.exec<{ since: number | null }>("SELECT catch_up_since AS since FROM state").one().since,
  );

describe("resume after an absence (the DeviceRoom's catch-up)", () => {
  it("a device that was offline gets one entry per changed conversation, with the newest last_seq and preview", async ({ expect }) => {
    const [alice, bob] = await Promise.all([createUser(), createUser()]);
    const [first, second] = [await createGroup(alice, [bob], "one"), await createGroup(alice, [bob], "two")];
    const { socket, hello } = await openEvents(bob);
    await goOffline(bob, socket, hello.device_id);

    for (let i = 1; i <= 5; i++) await sendRest(alice, first.id, { client_id: `a${i}`, body: `first ${i}` });
    for (let i = 1; i <= 2; i++) await sendRest(alice, second.id, { client_id: `b${i}`, body: `second ${i}` });
    await listShows(bob, { [first.id]: 5, [second.id]: 2 });

    const back = await openEvents(bob, { since: String(hello.position) });
    const frame = await back.socket.next("events");
    expect(frame.entries.map((e) => e.event)).toEqual([
      expect.objectContaining({ kind: "conversation", conversation_id: first.id, change: "message", last_seq: 5, last_read_seq: 0 }),
      expect.objectContaining({ kind: "conversation", conversation_id: second.id, change: "message", last_seq: 2, last_read_seq: 0 }),
    ]);
    expect(frame.entries[0]?.event).toMatchObject({ last_message: { seq: 5, sender_id: alice.user.id, body: "first 5", truncated: false } });
    expect(frame.entries[1]?.event).toMatchObject({ last_message: { seq: 2, body: "second 2" } });
    expect(await received(back.socket)).toEqual([]);
    await back.socket.end();
  });

  it("marks the preview of a message from someone the user blocks, as the live stream and the list do", async ({ expect }) => {
    const [alice, bob, carol] = await Promise.all([createUser(), createUser(), createUser()]);
    const group = await createGroup(carol, [alice, bob]);
    await json(await api(alice, "PUT", `/v1/users/me/blocks/${bob.user.id}`), 200);
    const { socket, hello } = await openEvents(alice);
    await goOffline(alice, socket, hello.device_id);

    await sendRest(bob, group.id, { client_id: "b1", body: "while you were away" });
    await listShows(alice, { [group.id]: 1 });
    const back = await openEvents(alice, { since: String(hello.position) });
    const frame = await back.socket.next("events");
    expect(frame.entries.map((e) => e.event)).toEqual([
      expect.objectContaining({
        kind: "conversation",
        conversation_id: group.id,
        last_seq: 1,
        last_message: expect.objectContaining({ sender_id: bob.user.id, body: "while you were away", sender_blocked: true }),
      }),
    ]);
    await back.socket.end();
  });

  it("a message sent within a second of connecting reaches the stream once (the repeat after the list sync)", async ({ expect }) => {
    const [alice, bob] = await Promise.all([createUser(), createUser()]);
    const group = await createGroup(alice, [bob]);
    // The room's online answer from the group's creation (bob offline) is still cached for this send.
    const { socket, hello } = await openEvents(bob);
    await sendRest(alice, group.id, { client_id: "soon", body: "just after you connected" });

    const frame = await socket.next("events");
    expect(frame.entries.map((e) => e.event)).toEqual([
      expect.objectContaining({
        kind: "conversation",
        conversation_id: group.id,
        last_seq: 1,
        last_message: expect.objectContaining({ body: "just after you connected" }),
      }),
    ]);
    await eventually(
      () => repeatDone(hello.device_id),
      (since) => since === null,
      "the repeat",
    );
    expect(await received(socket)).toEqual([]);
    await socket.end();
  });

  it("a conversation the user was added to while away comes with `membership` added", async ({ expect }) => {
    const [alice, bob] = await Promise.all([createUser(), createUser()]);
    const { socket, hello } = await openEvents(bob);
    await goOffline(bob, socket, hello.device_id);

    const group = await createGroup(alice, [bob], "while away");
    await sendRest(alice, group.id, { client_id: "w1", body: "welcome" });
    await listShows(bob, { [group.id]: 1 });

    const back = await openEvents(bob, { since: String(hello.position) });
    // The room stored `added` in the stream (the replay frame); the catch-up appends the conversation (the next frame).
    const events: DeviceEvent[] = [];
    while (!events.some((e) => e.kind === "conversation")) events.push(...(await back.socket.next("events")).entries.map((e) => e.event));
    expect(events).toEqual([
      { kind: "membership", conversation_id: group.id, change: "added", role: "member" },
      expect.objectContaining({ kind: "conversation", conversation_id: group.id, last_seq: 1, last_message: expect.objectContaining({ body: "welcome" }) }),
    ]);
    await back.socket.end();
  });
});
