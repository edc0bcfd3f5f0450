/**
 * Blocking (issue 21): a blocked user tries every route and socket that could reach the blocker;
 * muting: no pushes, still delivered. All through the real gateway, rooms and push queue (dev outbox).
 */
import { describe, it } from "vitest";
import type { ConversationListItemView, ConversationView, MessageView, PresenceView } from "../../lib/contracts/chat";
import { createUser, type TestUser } from "../helpers/auth";
import { api, connect, createGroup, json, outbox, registerDevice, sendRest, until } from "./chat-client";

const block = (who: TestUser, target: string) => api(who, "PUT", `/v1/users/me/blocks/${target}`);
const unblock = (who: TestUser, target: string) => api(who, "DELETE", `/v1/users/me/blocks/${target}`);
const direct = (who: TestUser, other: TestUser) => api(who, "POST", "/v1/conversations", { type: "direct", member_ids: [other.user.id] });
const presenceOf = async (viewer: TestUser, id: string): Promise<PresenceView | undefined> =>
  (await json<{ presence: PresenceView[] }>(await api(viewer, "GET", `/v1/presence?user_ids=${id}`), 200)).presence[0];

describe("blocking a user", () => {
  it("is listed, idempotent and reversible; hostile targets are refused", async ({ expect }) => {
    const [alice, bob, carol] = await Promise.all([createUser(), createUser(), createUser()]);
    const first = await json<{ block: { user_id: string; created_at: string } }>(await block(alice, bob.user.id), 200);
    expect(first.block.user_id).toBe(bob.user.id);
    expect((await block(alice, bob.user.id)).status).toBe(200);
    await json(await block(alice, carol.user.id), 200);
    const list = await json<{ blocks: { user_id: string }[] }>(await api(alice, "GET", "/v1/users/me/blocks"), 200);
    expect(list.blocks.map((b) => b.user_id)).toEqual([carol.user.id, bob.user.id]);
    // Another user's list is their own: bob blocks nobody.
    expect(await json(await api(bob, "GET", "/v1/users/me/blocks"), 200)).toEqual({ blocks: [] });

    expect((await unblock(alice, bob.user.id)).status).toBe(204);
    expect((await unblock(alice, bob.user.id)).status).toBe(204);
    const after = await json<{ blocks: { user_id: string }[] }>(await api(alice, "GET", "/v1/users/me/blocks"), 200);
    expect(after.blocks.map((b) => b.user_id)).toEqual([carol.user.id]);

    expect((await block(alice, alice.user.id)).status).toBe(400);
    expect((await block(alice, "01900000-0000-7000-8000-0000000000aa")).status).toBe(404);
    expect((await block(alice, "x".repeat(65))).status).toBe(400);
    expect((await api(alice, "PUT", "/v1/users/me/blocks/%ED%A0%80")).status).toBe(400);
    expect((await api(null, "PUT", `/v1/users/me/blocks/${bob.user.id}`)).status).toBe(401);
    expect((await api(null, "GET", "/v1/users/me/blocks")).status).toBe(401);
  });

  it("stops every way the blocked user could reach the blocker in their direct conversation, until unblocked", async ({ expect }) => {
    const [alice, bob] = await Promise.all([createUser(), createUser()]);
    const conversation = (await json<{ conversation: ConversationView }>(await direct(bob, alice), 201)).conversation;
    await sendRest(bob, conversation.id, { client_id: "before", body: "hello" });
    const aliceSocket = await connect(alice, conversation.id);
    const bobSocket = await connect(bob, conversation.id);
    expect((await presenceOf(bob, alice.user.id))?.status).toBe("online");

    // What alice heard before the block (bob's read watermark on connect) is not the block's concern.
    const heardBeforeBlock = aliceSocket.socket.frames.length;
    await json(await block(alice, bob.user.id), 200);
    // REST send, socket send, typing and reactions are refused, for both sides.
    const rest = await api(bob, "POST", `/v1/conversations/${conversation.id}/messages`, { client_id: "after", body: "are you there" });
    expect(rest.status).toBe(403);
    expect((await api(alice, "POST", `/v1/conversations/${conversation.id}/messages`, { client_id: "a1", body: "x" })).status).toBe(403);
    expect((await api(bob, "PUT", `/v1/conversations/${conversation.id}/messages/1/reactions/%F0%9F%91%8D`)).status).toBe(403);
    bobSocket.socket.send({ type: "send", client_id: "ws-after", body: "hi?" });
    expect(await bobSocket.socket.next("error")).toMatchObject({ code: "FORBIDDEN", client_id: "ws-after" });
    bobSocket.socket.send({ type: "typing" });
    expect(await bobSocket.socket.next("error")).toMatchObject({ code: "FORBIDDEN" });
    // A read receipt moves bob's own watermark but tells alice nothing.
    bobSocket.socket.send({ type: "read", seq: 1 });
    bobSocket.socket.send({ type: "ping" });
    await bobSocket.socket.next("pong");
    aliceSocket.socket.send({ type: "ping" });
    await aliceSocket.socket.next("pong");
    expect(aliceSocket.socket.frames.slice(heardBeforeBlock).filter((f) => f.type === "read" || f.type === "typing" || f.type === "message")).toEqual([]);
    const history = await json<{ messages: MessageView[] }>(await api(alice, "GET", `/v1/conversations/${conversation.id}/messages`), 200);
    expect(history.messages.map((m) => m.client_id)).toEqual(["before"]);

    // No new direct conversation either way, no call, presence hidden both ways.
    const other = await createUser();
    expect((await direct(other, alice)).status).toBe(201);
    expect((await direct(bob, alice)).status).toBe(200);
    const stranger = await createUser();
    await json(await block(stranger, bob.user.id), 200);
    expect((await direct(bob, stranger)).status).toBe(403);
    expect((await direct(stranger, bob)).status).toBe(403);
    const call = await api(bob, "POST", "/v1/calls/initiate", { conversation_id: conversation.id, type: "audio" });
    expect(call.status).toBe(403);
    expect(await presenceOf(bob, alice.user.id)).toEqual({ user_id: alice.user.id, status: "offline", last_seen_at: null });
    expect(await presenceOf(alice, bob.user.id)).toEqual({ user_id: bob.user.id, status: "offline", last_seen_at: null });

    // Reversible: everything works again.
    expect((await unblock(alice, bob.user.id)).status).toBe(204);
    expect((await sendRest(bob, conversation.id, { client_id: "unblocked", body: "hi again" })).status).toBe(201);
    expect(await aliceSocket.socket.next("message")).toMatchObject({ message: { client_id: "unblocked" } });
    expect((await presenceOf(bob, alice.user.id))?.status).toBe("online");
    await aliceSocket.socket.end();
    await bobSocket.socket.end();
  });

  it("a block placed before the room was ever loaded holds there too", async ({ expect }) => {
    const [alice, bob] = await Promise.all([createUser(), createUser()]);
    const conversation = (await json<{ conversation: ConversationView }>(await direct(alice, bob), 201)).conversation;
    await json(await block(bob, alice.user.id), 200);
    expect((await api(alice, "POST", `/v1/conversations/${conversation.id}/messages`, { client_id: "c1", body: "x" })).status).toBe(403);
  });

  it("in a shared group the blocked user's messages still arrive but never push the blocker; a call rings nobody who blocks the caller", async ({ expect }) => {
    const [alice, bob, carol] = await Promise.all([createUser(), createUser(), createUser()]);
    await Promise.all([registerDevice(alice), registerDevice(carol)]);
    const group = await createGroup(carol, [alice, bob]);
    await json(await block(alice, bob.user.id), 200);
    const sent = await sendRest(bob, group.id, { client_id: "g1", body: "group hello" });
    expect(sent.status).toBe(201);
    // Carol's push shows the wake-up went through the consumer; alice's was dropped there.
    const toCarol = await until(
      () => outbox(carol),
      (m) => m.some((x) => x.data.conversation_id === group.id),
    );
    expect(toCarol.some((x) => x.data.conversation_id === group.id)).toBe(true);
    expect(await outbox(alice)).toEqual([]);
    // Delivered all the same: clients hide it by the block list (GET /v1/users/me/blocks).
    const history = await json<{ messages: MessageView[] }>(await api(alice, "GET", `/v1/conversations/${group.id}/messages`), 200);
    expect(history.messages.map((m) => m.sender_id)).toEqual([bob.user.id]);

    // A group whose only other members block the caller rings nobody: refused.
    const pair = await createGroup(bob, [alice]);
    expect((await api(bob, "POST", "/v1/calls/initiate", { conversation_id: pair.id, type: "audio" })).status).toBe(403);
  });
});

describe("muting a conversation", () => {
  it("stops pushes but not delivery, shows in the list (with its end), and ends on unmute", async ({ expect }) => {
    const [alice, bob, carol] = await Promise.all([createUser(), createUser(), createUser()]);
    await Promise.all([registerDevice(bob), registerDevice(carol)]);
    const group = await createGroup(alice, [bob, carol]);
    const muted = await json<{ mute: { conversation_id: string; until: string | null } }>(await api(bob, "PUT", `/v1/conversations/${group.id}/mute`, {}), 200);
    expect(muted).toEqual({ mute: { conversation_id: group.id, until: null } });
    await sendRest(alice, group.id, { client_id: "m1", body: "hello" });
    await until(
      () => outbox(carol),
      (m) => m.length > 0,
    );
    expect(await outbox(bob)).toEqual([]);
    const history = await json<{ messages: MessageView[] }>(await api(bob, "GET", `/v1/conversations/${group.id}/messages`), 200);
    expect(history.messages.map((m) => m.client_id)).toEqual(["m1"]);
    const list = async (user: TestUser) =>
      (await json<{ conversations: ConversationListItemView[] }>(await api(user, "GET", "/v1/conversations"), 200)).conversations.find(
        (c) => c.id === group.id,
      );
    expect(await list(bob)).toMatchObject({ muted: true, muted_until: null });
    expect(await list(carol)).toMatchObject({ muted: false, muted_until: null });

    const until1h = new Date(Date.now() + 3_600_000).toISOString();
    expect(await json(await api(bob, "PUT", `/v1/conversations/${group.id}/mute`, { until: until1h }), 200)).toEqual({
      mute: { conversation_id: group.id, until: until1h },
    });
    expect(await list(bob)).toMatchObject({ muted: true, muted_until: until1h });

    expect((await api(bob, "DELETE", `/v1/conversations/${group.id}/mute`)).status).toBe(204);
    expect((await api(bob, "DELETE", `/v1/conversations/${group.id}/mute`)).status).toBe(204);
    expect(await list(bob)).toMatchObject({ muted: false });
    // Unmuted, pushes come again (another conversation: the room collapses wake-ups per recipient for 10 s).
    const other = await createGroup(alice, [bob]);
    await json(await api(bob, "PUT", `/v1/conversations/${other.id}/mute`, {}), 200);
    expect((await api(bob, "DELETE", `/v1/conversations/${other.id}/mute`)).status).toBe(204);
    await sendRest(alice, other.id, { client_id: "o1", body: "again" });
    const toBob = await until(
      () => outbox(bob),
      (m) => m.length > 0,
    );
    expect(toBob.map((x) => x.data.conversation_id)).toEqual([other.id]);
  });

  it("refuses non-members, past or far ends and malformed bodies", async ({ expect }) => {
    const [alice, bob, eve] = await Promise.all([createUser(), createUser(), createUser()]);
    const group = await createGroup(alice, [bob]);
    const path = `/v1/conversations/${group.id}/mute`;
    expect((await api(eve, "PUT", path, {})).status).toBe(404);
    expect((await api(eve, "DELETE", path)).status).toBe(404);
    expect((await api(alice, "PUT", "/v1/conversations/01900000-0000-7000-8000-0000000000aa/mute", {})).status).toBe(404);
    for (const body of [
      { until: new Date(Date.now() - 1000).toISOString() },
      { until: new Date(Date.now() + 400 * 86_400_000).toISOString() },
      { until: "tomorrow" },
      { until: 12 },
      [],
    ])
      expect((await api(alice, "PUT", path, body)).status).toBe(400);
    expect((await api(alice, "PUT", path, "{nope")).status).toBe(400);
    expect((await api(null, "PUT", path, {})).status).toBe(401);
  });
});
