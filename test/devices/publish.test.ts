import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import type { MessageView } from "../../lib/contracts/chat";
import { DEVICE_STREAM_LIMITS } from "../../lib/contracts/device-stream";
import { createUser, signInAgain } from "../helpers/auth";
import { api, createGroup, json, sendRest } from "../chat/chat-client";
import { drained, nextEvent, openGatewayStream, openStream, until } from "./publish-client";

/** Rooms publish to every online device of their members (issue 18): messages, reads, membership. */
describe("conversation changes reach the members' device streams", () => {
  it("a message reaches the other member's stream (no conversation socket) with its preview and unread state, once per flush", async ({ expect }) => {
    const [alice, bob] = await Promise.all([createUser(), createUser()]);
    const [phone, own] = await Promise.all([openStream(bob), openStream(alice)]);
    const group = await createGroup(alice, [bob]);
    expect(await nextEvent(phone, "membership")).toEqual({ kind: "membership", conversation_id: group.id, change: "added", role: "member" });

    await sendRest(alice, group.id, { client_id: "m1", body: "hello bob" });
    const first = await nextEvent(phone, "conversation");
    expect(first).toMatchObject({ conversation_id: group.id, change: "message", last_seq: 1, last_read_seq: 0 });
    expect(first.last_message).toMatchObject({
      seq: 1,
      sender_id: alice.user.id,
      content_type: "text/plain",
      body: "hello bob",
      ciphertext: null,
      truncated: false,
    });
    // The sender's own devices see it as read.
    expect(await nextEvent(own, "conversation")).toMatchObject({ last_seq: 1, last_read_seq: 1 });

    const long = "x".repeat(DEVICE_STREAM_LIMITS.previewChars + 100);
    await sendRest(alice, group.id, { client_id: "m2", body: long });
    const cut = await nextEvent(phone, "conversation", (e) => e.last_seq === 2);
    expect(cut.last_message).toMatchObject({ body: long.slice(0, DEVICE_STREAM_LIMITS.previewChars), truncated: true });
    expect(cut.last_read_seq).toBe(0);

    const edited = await api(alice, "PATCH", `/v1/conversations/${group.id}/messages/2`, { body: "short now" });
    expect(edited.status).toBe(200);
    expect(await nextEvent(phone, "conversation", (e) => e.change === "edit")).toMatchObject({
      last_seq: 2,
      last_message: { body: "short now", truncated: false },
    });
    expect((await api(alice, "PUT", `/v1/conversations/${group.id}/messages/1/reactions/${encodeURIComponent("👍")}`)).status).toBe(200);
    expect(await nextEvent(phone, "conversation", (e) => e.change === "reaction")).toMatchObject({ last_seq: 2 });
    expect((await api(alice, "DELETE", `/v1/conversations/${group.id}/messages/2`)).status).toBe(200);
    expect(await nextEvent(phone, "conversation", (e) => e.change === "delete")).toMatchObject({ last_message: { seq: 2, deleted: true, body: null } });
    await Promise.all([phone.socket.end(), own.socket.end()]);
  });

  it("reading on one device sends `read` to the user's other devices", async ({ expect }) => {
    const [alice, bob] = await Promise.all([createUser(), createUser()]);
    const [laptop, phone] = await Promise.all([openStream(bob), openStream(bob)]);
    const group = await createGroup(alice, [bob]);
    await sendRest(alice, group.id, { client_id: "r1", body: "read me" });
    await nextEvent(laptop, "conversation");
    const read = await api(bob, "POST", `/v1/conversations/${group.id}/read`, { seq: 1 });
    expect(read.status).toBe(200);
    expect(await nextEvent(laptop, "read")).toEqual({ kind: "read", conversation_id: group.id, seq: 1 });
    expect(await nextEvent(phone, "read")).toEqual({ kind: "read", conversation_id: group.id, seq: 1 });
    // The next conversation change carries the new watermark (the badge stays cleared).
    await sendRest(alice, group.id, { client_id: "r2", body: "again" });
    expect(await nextEvent(phone, "conversation", (e) => e.last_seq === 2)).toMatchObject({ last_read_seq: 1 });
    await Promise.all([laptop.socket.end(), phone.socket.end()]);
  });

  it("added, role changed, removed: the removed member's stream gets nothing after `removed`", async ({ expect }) => {
    const [alice, bob, carol] = await Promise.all([createUser(), createUser(), createUser()]);
    const [bobs, carols] = await Promise.all([openStream(bob), openStream(carol)]);
    const group = await createGroup(alice, [bob]);
    await nextEvent(bobs, "membership");

    const added = await api(alice, "POST", `/v1/conversations/${group.id}/members`, { user_ids: [carol.user.id] });
    expect(added.status).toBe(200);
    expect(await nextEvent(carols, "membership")).toEqual({ kind: "membership", conversation_id: group.id, change: "added", role: "member" });
    const promoted = await api(alice, "PATCH", `/v1/conversations/${group.id}/members/${carol.user.id}`, { role: "admin" });
    expect(promoted.status).toBe(200);
    expect(await nextEvent(carols, "membership")).toEqual({ kind: "membership", conversation_id: group.id, change: "role_changed", role: "admin" });

    const removed = await api(alice, "DELETE", `/v1/conversations/${group.id}/members/${carol.user.id}`);
    expect(removed.status).toBe(204);
    expect(await nextEvent(carols, "membership")).toEqual({ kind: "membership", conversation_id: group.id, change: "removed", role: null });
    const after: MessageView = (await sendRest(alice, group.id, { client_id: "after", body: "not for carol" })).message;
    // Bob's stream has it: the flush that would have reached carol is done.
    expect(await nextEvent(bobs, "conversation", (e) => e.last_seq === after.seq)).toMatchObject({ conversation_id: group.id });
    expect(JSON.stringify(await drained(carols))).not.toContain(group.id);
    await Promise.all([bobs.socket.end(), carols.socket.end()]);
  });
});

describe("through the gateway (GET /v1/ws/events, the device of each sign-in)", () => {
  it("a message reaches the other user's stream, and reading on one sign-in sends `read` to the other", async ({ expect }) => {
    const [alice, bob] = await Promise.all([createUser(), createUser()]);
    const bobLaptop = await signInAgain(bob);
    const [phone, laptop] = await Promise.all([openGatewayStream(bob), openGatewayStream(bobLaptop)]);
    expect(phone.deviceId).not.toBe(laptop.deviceId);
    const group = await createGroup(alice, [bob]);
    await sendRest(alice, group.id, { client_id: "gw-1", body: "over the gateway" });
    for (const device of [phone, laptop]) {
      expect(await nextEvent(device, "conversation")).toMatchObject({
        conversation_id: group.id,
        last_seq: 1,
        last_read_seq: 0,
        last_message: { body: "over the gateway" },
      });
    }
    expect((await api(bob, "POST", `/v1/conversations/${group.id}/read`, { seq: 1 })).status).toBe(200);
    expect(await nextEvent(laptop, "read")).toEqual({ kind: "read", conversation_id: group.id, seq: 1 });
    await Promise.all([phone.socket.end(), laptop.socket.end()]);
  });
});

describe("offline members get one collapsed push per conversation", () => {
  it("a burst of messages to a member without any stream or socket is one wake-up per device", async ({ expect }) => {
    const [alice, bob] = await Promise.all([createUser(), createUser()]);
    const token = `tok-${crypto.randomUUID()}`;
    expect((await api(bob, "POST", "/v1/users/me/devices", { platform: "android", push_token: token })).status).toBe(201);
    const group = await createGroup(alice, [bob]);
    for (let i = 1; i <= 5; i++) await sendRest(alice, group.id, { client_id: `burst-${i}`, body: `burst ${i}` });
    const outbox = async () =>
      (await json<{ messages: { push_token: string; data: Record<string, string> }[] }>(await api(null, "GET", `/dev/push-outbox?user_id=${bob.user.id}`), 200))
        .messages;
    const first = await until(outbox, (m) => m.length > 0);
    expect(first).toHaveLength(1);
    expect(first[0]).toMatchObject({ push_token: token, data: { kind: "message", conversation_id: group.id, seq: "1" } });
    // Another conversation is not collapsed with this one.
    const other = await createGroup(alice, [bob]);
    await sendRest(alice, other.id, { client_id: "other", body: "other" });
    const both = await until(outbox, (m) => m.some((x) => x.data.conversation_id === other.id));
    expect(both.filter((m) => m.data.conversation_id === group.id)).toHaveLength(1);
    expect(both.filter((m) => m.data.conversation_id === other.id)).toHaveLength(1);
  });

  it("one queue message with many targets reaches each target's push devices (only the named device when a target names one)", async ({ expect }) => {
    const users = await Promise.all([createUser(), createUser(), createUser()]);
    const devices = await Promise.all(
      users.map(async (u) => {
        const res = await api(u, "POST", "/v1/users/me/devices", { platform: "android", push_token: `tok-${crypto.randomUUID()}` });
        return (await json<{ device_id: string }>(res, 201)).device_id;
      }),
    );
    const [first, second, third] = users;
    if (!first || !second || !third) throw new Error("users");
    // A second device needs a second sign-in (a session's push registrations all land on its one device).
    const extra = await api(await signInAgain(third), "POST", "/v1/users/me/devices", { platform: "ios", push_token: `tok-${crypto.randomUUID()}` });
    expect(extra.status).toBe(201);
    const conversationId = crypto.randomUUID();
    await env.PUSH_QUEUE.send({
      kind: "message",
      idempotency_key: `msg:${conversationId}:1:0`,
      request_id: "req-targets",
      conversation_id: conversationId,
      seq: 1,
      sender_id: crypto.randomUUID(),
      targets: [{ user_id: first.user.id }, { user_id: second.user.id }, { user_id: third.user.id, device_id: devices[2] ?? "" }],
    });
    for (const [i, user] of users.entries()) {
      const box = await until(
        async () => (await json<{ messages: { device_id: string }[] }>(await api(null, "GET", `/dev/push-outbox?user_id=${user.user.id}`), 200)).messages,
        (m) => m.length > 0,
      );
      expect(box.map((m) => m.device_id)).toEqual([devices[i]]);
    }
  });
});
