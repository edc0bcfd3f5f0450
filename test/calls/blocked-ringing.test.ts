/**
 * Group calls and blocks (issue 21): a call rings nobody the caller blocks or who blocks the caller,
 * on their chat sockets, device streams or by push; the rest of the group rings as usual.
 */
import { afterAll, beforeAll, describe, it } from "vitest";
import type { TestUser } from "../helpers/auth";
import { installRealtimeFakes, type RealtimeFakes } from "../fakes/realtime-network";
import { connect, outbox, registerDevice, until, type ChatSocket } from "../chat/chat-client";
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
});
