/**
 * Blocking in shared groups (issue 21): the blocked member hears nothing of the blocker's presence,
 * typing or reads (nor the blocker of theirs), and the blocker's copy of their messages is marked
 * `sender_blocked` for the client to hide. Through the real gateway and rooms, sockets as an app opens them.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import type { MessageView } from "../../lib/contracts/chat";
import type { ServerFrame } from "../../lib/contracts/chat-frames";
import { createUser, type TestUser } from "../helpers/auth";
import { api, connect, createGroup, json, type ChatSocket } from "./chat-client";

const block = (who: TestUser, target: TestUser) => api(who, "PUT", `/v1/users/me/blocks/${target.user.id}`);
const unblock = (who: TestUser, target: TestUser) => api(who, "DELETE", `/v1/users/me/blocks/${target.user.id}`);
const history = async (user: TestUser, conversationId: string): Promise<MessageView[]> =>
  (await json<{ messages: MessageView[] }>(await api(user, "GET", `/v1/conversations/${conversationId}/messages`), 200)).messages;

/** Every frame this socket received about `userId` so far: a ping answered means everything sent before it has arrived. */
async function heardAbout(socket: ChatSocket, userId: string): Promise<ServerFrame[]> {
  socket.send({ type: "ping" });
  await socket.next("pong");
  return socket.frames.filter((f) => (f.type === "presence" || f.type === "typing" || f.type === "read") && f.user_id === userId);
}

describe("blocking in a shared group", () => {
  it("hides presence, typing and reads both ways, marks the blocker's copy of the blocked member's messages, until unblocked", async ({ expect }) => {
    const [alice, bob, carol] = await Promise.all([createUser(), createUser(), createUser()]);
    const group = await createGroup(carol, [alice, bob]);
    await json(await block(alice, bob), 200);
    const bobWs = (await connect(bob, group.id)).socket;
    const carolWs = (await connect(carol, group.id)).socket;

    // Presence: alice comes online; carol hears it, bob does not.
    const aliceWs = (await connect(alice, group.id)).socket;
    expect(await carolWs.next("presence", (f) => f.user_id === alice.user.id)).toEqual({ type: "presence", user_id: alice.user.id, status: "online" });
    expect(await heardAbout(bobWs, alice.user.id)).toEqual([]);

    // Typing, both ways.
    aliceWs.send({ type: "typing" });
    await carolWs.next("typing", (f) => f.user_id === alice.user.id);
    bobWs.send({ type: "typing" });
    await carolWs.next("typing", (f) => f.user_id === bob.user.id);
    expect(await heardAbout(bobWs, alice.user.id)).toEqual([]);
    expect(await heardAbout(aliceWs, bob.user.id)).toEqual([]);

    // Messages: delivered to everyone, marked only on the blocker's copy.
    bobWs.send({ type: "send", client_id: "b1", body: "from bob" });
    const toAlice = await aliceWs.next("message", (f) => f.message.client_id === "b1");
    expect(toAlice.message).toMatchObject({ sender_id: bob.user.id, body: "from bob", sender_blocked: true });
    expect((await carolWs.next("message", (f) => f.message.client_id === "b1")).message.sender_blocked).toBeUndefined();
    expect((await bobWs.next("ack")).client_id).toBe("b1");
    aliceWs.send({ type: "send", client_id: "a1", body: "from alice" });
    expect((await bobWs.next("message", (f) => f.message.client_id === "a1")).message.sender_blocked).toBeUndefined();
    const seq = toAlice.message.seq;

    // Reads: carol hears alice's and bob's; neither hears the other's.
    aliceWs.send({ type: "read", seq: seq + 1 });
    await carolWs.next("read", (f) => f.user_id === alice.user.id);
    bobWs.send({ type: "read", seq: seq + 1 });
    await carolWs.next("read", (f) => f.user_id === bob.user.id);
    carolWs.send({ type: "read", seq: seq + 1 });
    await bobWs.next("read", (f) => f.user_id === carol.user.id);
    expect(await heardAbout(bobWs, alice.user.id)).toEqual([]);
    expect(await heardAbout(aliceWs, bob.user.id)).toEqual([]);

    // History and a reaction's update are marked for alice only.
    // Newest first.
    expect((await history(alice, group.id)).map((m) => [m.client_id, m.sender_blocked])).toEqual([
      ["a1", undefined],
      ["b1", true],
    ]);
    expect((await history(carol, group.id)).some((m) => m.sender_blocked !== undefined)).toBe(false);
    expect((await api(carol, "PUT", `/v1/conversations/${group.id}/messages/${seq}/reactions/%F0%9F%91%8D`)).status).toBe(200);
    expect((await aliceWs.next("message_updated")).message).toMatchObject({ seq, sender_blocked: true });
    expect((await carolWs.next("message_updated")).message.sender_blocked).toBeUndefined();

    // A reconnect: the replay is marked for alice; bob's opening read frames leave alice's out.
    const aliceAgain = await connect(alice, group.id, { sinceSeq: 0, batch: true });
    const replay = await aliceAgain.socket.next("messages");
    expect(replay.messages.map((m) => m.sender_blocked)).toEqual([true, undefined]);
    const bobAgain = await connect(bob, group.id);
    expect(await heardAbout(bobAgain.socket, carol.user.id)).toEqual([{ type: "read", user_id: carol.user.id, seq: seq + 1 }]);
    expect(await heardAbout(bobAgain.socket, alice.user.id)).toEqual([]);
    await Promise.all([aliceAgain.socket.end(), bobAgain.socket.end()]);

    // Unblocked: plain messages and bob's reads reach alice again (typing is throttled per 2 s, so reads show it).
    expect((await unblock(alice, bob)).status).toBe(204);
    bobWs.send({ type: "send", client_id: "b2", body: "again" });
    const again = await aliceWs.next("message", (f) => f.message.client_id === "b2");
    expect(again.message.sender_blocked).toBeUndefined();
    bobWs.send({ type: "read", seq: again.message.seq });
    expect(await aliceWs.next("read", (f) => f.user_id === bob.user.id)).toEqual({ type: "read", user_id: bob.user.id, seq: again.message.seq });
    expect((await history(alice, group.id)).some((m) => m.sender_blocked !== undefined)).toBe(false);
    await Promise.all([aliceWs.end(), bobWs.end(), carolWs.end()]);
  });

  it("holds for a member added after the block, and in a room that predates the room's copy of the blocks", async ({ expect }) => {
    const [alice, carol, dave] = await Promise.all([createUser(), createUser(), createUser()]);
    const group = await createGroup(carol, [alice]);
    const carolWs = (await connect(carol, group.id)).socket;
    const aliceWs = (await connect(alice, group.id)).socket;
    await json(await block(alice, dave), 200);
    await json(await api(carol, "POST", `/v1/conversations/${group.id}/members`, { user_ids: [dave.user.id] }), 200);
    const daveWs = (await connect(dave, group.id)).socket;
    aliceWs.send({ type: "typing" });
    await carolWs.next("typing", (f) => f.user_id === alice.user.id);
    expect(await heardAbout(daveWs, alice.user.id)).toEqual([]);

    await Promise.all([aliceWs.end(), carolWs.end(), daveWs.end()]);

    // A room from before the blocks table: no copy, never read. Restarted (as a deploy would), it reads
    // the members' blocks before relaying anything.
    const room = env.CONVERSATION_ROOM.get(env.CONVERSATION_ROOM.idFromName(group.id));
    await runInDurableObject(room, (_instance, state) => {
      state.storage.sql.exec("DELETE FROM blocks");
      state.storage.sql.exec("DELETE FROM meta WHERE key = 'blocks_loaded'");
    });
    await runInDurableObject(room, (_instance, state) => state.abort("restart under test")).catch(() => undefined);
    const [carolAgain, aliceAgain, daveAgain] = [
      (await connect(carol, group.id)).socket,
      (await connect(alice, group.id)).socket,
      (await connect(dave, group.id)).socket,
    ];
    daveAgain.send({ type: "typing" });
    await carolAgain.next("typing", (f) => f.user_id === dave.user.id);
    expect(await heardAbout(aliceAgain, dave.user.id)).toEqual([]);
    await Promise.all([aliceAgain.end(), carolAgain.end(), daveAgain.end()]);
  });
});
