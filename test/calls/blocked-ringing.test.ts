/**
 * Group calls and blocks (issue 21): a call rings nobody the caller blocks or who blocks the caller,
 * on their chat sockets, device streams or by push; the rest of the group rings as usual. A call by
 * someone the reader blocks does not show to them at all: no call event, not in `GET /v1/calls`.
 */
import { afterAll, beforeAll, describe, it } from "vitest";
import type { TestUser } from "../helpers/auth";
import { installRealtimeFakes, type RealtimeFakes } from "../fakes/realtime-network";
import { connect, outbox, registerDevice, until, type ChatSocket } from "../chat/chat-client";
import { drained, nextEvent, openStream } from "../devices/publish-client";
import { api, conversationOf, initiate } from "./helpers";

let fakes: RealtimeFakes;
beforeAll(() => {
  fakes = installRealtimeFakes();
});
afterAll(() => fakes.uninstall());

/** The call frames this socket received so far: a ping answered means everything sent before it has arrived. */
async function callFrames(socket: ChatSocket) {
  socket.send({ type: "ping" });
  await socket.next("pong");
  return socket.frames.filter((f) => f.type === "call");
}

const callPushes = async (user: TestUser, callId: string) => (await outbox(user)).filter((m) => m.data.call_id === callId);
/** The conversation's call history as `user` sees it: ids, newest first. */
async function listedCalls(user: TestUser, conversationId: string): Promise<string[]> {
  const answer = await api(user, "GET", `/v1/calls?conversation_id=${conversationId}`);
  if (answer.status !== 200) throw new Error(`history: ${answer.status}`);
  return (answer.body.calls as { id: string }[]).map((call) => call.id);
}

describe("a group call and blocks", () => {
  it("rings neither the blocker for the blocked caller nor the blocked member for the blocker's call", async ({ expect }) => {
    const { users, conversationId } = await conversationOf(4);
    const [carol, alice, bob, dave] = users;
    if (!carol || !alice || !bob || !dave) throw new Error("users");
    expect((await api(alice, "PUT", `/v1/users/me/blocks/${bob.user.id}`)).status).toBe(200);
    await Promise.all([registerDevice(bob), registerDevice(dave)]);

    // Bob calls: carol's socket rings, alice's (she blocks him) does not.
    const aliceWs = (await connect(alice, conversationId)).socket;
    const carolWs = (await connect(carol, conversationId)).socket;
    const first = await initiate(bob, conversationId);
    expect(await carolWs.next("call")).toMatchObject({ event: "incoming", call: { id: first.id, initiator_id: bob.user.id } });
    expect(await callFrames(aliceWs)).toEqual([]);
    expect((await api(bob, "POST", `/v1/calls/${first.id}/end`)).status).toBe(200);
    await carolWs.next("call", (f) => f.event === "ended");

    // Alice calls: dave (offline) gets the push, bob (offline, blocked by her) none; carol's socket rings.
    const second = await initiate(alice, conversationId);
    expect(await carolWs.next("call", (f) => f.call.id === second.id)).toMatchObject({ event: "incoming" });
    const toDave = await until(
      () => callPushes(dave, second.id),
      (m) => m.length > 0,
    );
    expect(toDave.map((m) => m.data.caller_id)).toEqual([alice.user.id]);
    expect(await callPushes(bob, second.id)).toEqual([]);
    // Bob can still see the call and join it from the group himself: only the ring is withheld.
    expect((await api(bob, "POST", `/v1/calls/${second.id}/join`)).status).toBe(200);
    await Promise.all([aliceWs.end(), carolWs.end()]);
  });

  it("shows the blocker nothing of a call by the blocked member, on sockets, streams or in the history, until unblocked", async ({ expect }) => {
    const { users, conversationId } = await conversationOf(3);
    const [carol, alice, bob] = users;
    if (!carol || !alice || !bob) throw new Error("users");
    expect((await api(alice, "PUT", `/v1/users/me/blocks/${bob.user.id}`)).status).toBe(200);
    const aliceWs = (await connect(alice, conversationId)).socket;
    const carolWs = (await connect(carol, conversationId)).socket;
    const aliceStream = await openStream(alice);

    const byBob = await initiate(bob, conversationId);
    await carolWs.next("call", (f) => f.call.id === byBob.id && f.event === "incoming");
    expect((await api(bob, "POST", `/v1/calls/${byBob.id}/end`)).status).toBe(200);
    await carolWs.next("call", (f) => f.call.id === byBob.id && f.event === "ended");
    // Hostile: bob cannot start a call in carol's name.
    expect((await api(bob, "POST", "/v1/calls/initiate", { conversation_id: conversationId, type: "audio", initiator_id: carol.user.id })).status).toBe(400);
    // Carol's call reaches alice as usual (so the room did tell her about calls; only bob's were left out).
    const byCarol = await initiate(carol, conversationId);
    await aliceWs.next("call", (f) => f.call.id === byCarol.id && f.event === "incoming");
    expect((await api(carol, "POST", `/v1/calls/${byCarol.id}/end`)).status).toBe(200);
    await aliceWs.next("call", (f) => f.call.id === byCarol.id && f.event === "ended");
    await nextEvent(aliceStream, "call", (e) => e.call.id === byCarol.id && e.event === "ended");

    expect((await callFrames(aliceWs)).filter((f) => f.type === "call" && f.call.id === byBob.id)).toEqual([]);
    expect((await drained(aliceStream)).filter((e) => e.kind === "call" && e.call.id === byBob.id)).toEqual([]);
    expect(await listedCalls(alice, conversationId)).toEqual([byCarol.id]);
    expect(await listedCalls(carol, conversationId)).toEqual([byCarol.id, byBob.id]);
    expect(await listedCalls(bob, conversationId)).toEqual([byCarol.id, byBob.id]);

    expect((await api(alice, "DELETE", `/v1/users/me/blocks/${bob.user.id}`)).status).toBe(204);
    expect(await listedCalls(alice, conversationId)).toEqual([byCarol.id, byBob.id]);
    await Promise.all([aliceWs.end(), carolWs.end(), aliceStream.socket.end()]);
  });

  it("a direct call from before the block leaves the blocker's history while the block lasts", async ({ expect }) => {
    const { users, conversationId } = await conversationOf(2);
    const [alice, bob] = users;
    if (!alice || !bob) throw new Error("users");
    const mine = await initiate(alice, conversationId);
    expect((await api(alice, "POST", `/v1/calls/${mine.id}/end`)).status).toBe(200);
    const theirs = await initiate(bob, conversationId);
    expect((await api(bob, "POST", `/v1/calls/${theirs.id}/end`)).status).toBe(200);
    expect((await api(alice, "PUT", `/v1/users/me/blocks/${bob.user.id}`)).status).toBe(200);
    expect(await listedCalls(alice, conversationId)).toEqual([mine.id]);
    expect(await listedCalls(bob, conversationId)).toEqual([theirs.id, mine.id]);
    expect((await api(alice, "DELETE", `/v1/users/me/blocks/${bob.user.id}`)).status).toBe(204);
    expect(await listedCalls(alice, conversationId)).toEqual([theirs.id, mine.id]);
  });
});
