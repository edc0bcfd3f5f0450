import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterAll, beforeAll, describe, it } from "vitest";
import { installRealtimeFakes, type RealtimeFakes } from "../fakes/realtime-network";
import { api, chatSocket, conversationOf, initiate, signaling } from "./helpers";

let fakes: RealtimeFakes;
beforeAll(() => {
  fakes = installRealtimeFakes();
});
afterAll(() => fakes.uninstall());

const roomOf = (callId: string) => env.CALL_ROOM.get(env.CALL_ROOM.idFromName(callId));

describe("ring timeout (alarm)", () => {
  it("ends an unanswered 1:1 call and records the callee as missed", async ({ expect }) => {
    const { users, conversationId } = await conversationOf(2);
    const [alice, bob] = users;
    if (!alice || !bob) throw new Error("users");
    const bobChat = await chatSocket(bob, conversationId);
    const { id } = await initiate(alice, conversationId, { ring_timeout_seconds: 5 });
    await bobChat.next("call");

    expect(await runDurableObjectAlarm(roomOf(id))).toBe(true);

    expect(await bobChat.next("call")).toMatchObject({ event: "ended", call: { id, status: "ended" } });
    expect(await bobChat.next("call")).toMatchObject({ event: "missed", call: { id } });
    const call = await api(alice, "GET", `/v1/calls/${id}`);
    expect(call.body.call).toMatchObject({ status: "ended", end_reason: "no_answer", started_at: null, duration_seconds: null });
    const participants = (call.body.call as { participants: { user_id: string; outcome: string }[] }).participants;
    expect(participants).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ user_id: bob.user.id, outcome: "missed", joined_at: null }),
        expect.objectContaining({ user_id: alice.user.id, outcome: "joined" }),
      ]),
    );
    const bobHistory = await api(bob, "GET", `/v1/calls?conversation_id=${conversationId}`);
    expect(bobHistory.body.calls).toEqual([expect.objectContaining({ id, missed: true })]);
    const aliceHistory = await api(alice, "GET", `/v1/calls?conversation_id=${conversationId}`);
    expect(aliceHistory.body.calls).toEqual([expect.objectContaining({ id, missed: false })]);
    // The line is free again: a new call can ring.
    expect((await api(alice, "POST", "/v1/calls/initiate", { conversation_id: conversationId, type: "audio" })).status).toBe(201);
    bobChat.close();
  });

  it("in a group call already answered, marks only the members who never joined as missed", async ({ expect }) => {
    const { users, conversationId } = await conversationOf(3);
    const [alice, bob, carol] = users;
    if (!alice || !bob || !carol) throw new Error("users");
    const { id } = await initiate(alice, conversationId);
    expect((await api(bob, "POST", `/v1/calls/${id}/join`)).status).toBe(200);
    expect(await runDurableObjectAlarm(roomOf(id))).toBe(true);
    const call = await api(bob, "GET", `/v1/calls/${id}`);
    expect(call.body.call).toMatchObject({ status: "active" });
    expect((call.body.call as { participants: unknown[] }).participants).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ user_id: carol.user.id, outcome: "missed" }),
        expect.objectContaining({ user_id: bob.user.id, outcome: "joined" }),
      ]),
    );
    // A member who missed the ring may still join late.
    expect((await api(carol, "POST", `/v1/calls/${id}/join`)).body.call).toMatchObject({ status: "active" });
  });

  it("rejects ring timeouts outside 5..120 seconds", async ({ expect }) => {
    const { users, conversationId } = await conversationOf(2);
    const [alice] = users;
    if (!alice) throw new Error("users");
    for (const ring_timeout_seconds of [4, 121, 10.5, "45", null]) {
      const res = await api(alice, "POST", "/v1/calls/initiate", { conversation_id: conversationId, type: "audio", ring_timeout_seconds });
      expect(res.status).toBe(400);
      expect(res.body.error?.code).toBe("VALIDATION_ERROR");
    }
  });
});

describe("decline", () => {
  it("a 1:1 call declined by the callee ends for both", async ({ expect }) => {
    const { users, conversationId } = await conversationOf(2);
    const [alice, bob] = users;
    if (!alice || !bob) throw new Error("users");
    const { id } = await initiate(alice, conversationId);
    const aliceSig = await signaling(alice, id);
    await aliceSig.next("call_state");
    expect((await api(alice, "POST", `/v1/calls/${id}/decline`)).status).toBe(409);
    const declined = await api(bob, "POST", `/v1/calls/${id}/decline`);
    expect(declined.status).toBe(200);
    expect(declined.body.call).toMatchObject({ status: "ended", end_reason: "declined" });
    expect(await aliceSig.next("call_state")).toMatchObject({ status: "ended" });
    const logged = await api(bob, "GET", `/v1/calls/${id}`);
    expect((logged.body.call as { participants: unknown[] }).participants).toEqual(
      expect.arrayContaining([expect.objectContaining({ user_id: bob.user.id, outcome: "declined" })]),
    );
    expect((await api(bob, "POST", `/v1/calls/${id}/decline`)).status).toBe(409);
    expect((await api(bob, "POST", `/v1/calls/${id}/join`)).status).toBe(409);
    const history = await api(bob, "GET", `/v1/calls?conversation_id=${conversationId}`);
    expect(history.body.calls).toEqual([expect.objectContaining({ id, missed: false })]);
  });

  it("in a group, a decline is recorded and the call keeps ringing for the others", async ({ expect }) => {
    const { users, conversationId } = await conversationOf(3);
    const [alice, bob, carol] = users;
    if (!alice || !bob || !carol) throw new Error("users");
    const { id } = await initiate(alice, conversationId);
    const declined = await api(bob, "POST", `/v1/calls/${id}/decline`);
    expect(declined.body.call).toMatchObject({ status: "ringing" });
    expect((await api(carol, "POST", `/v1/calls/${id}/join`)).body.call).toMatchObject({ status: "active" });
    // Group: only the caller ends it for everyone; others leave. The last one out ends it.
    expect((await api(carol, "POST", `/v1/calls/${id}/end`)).status).toBe(403);
    expect((await api(alice, "POST", `/v1/calls/${id}/leave`)).body.call).toMatchObject({ status: "active" });
    const last = await api(carol, "POST", `/v1/calls/${id}/leave`);
    expect(last.body.call).toMatchObject({ status: "ended", end_reason: "completed" });
    const participants = (last.body.call as { participants: { user_id: string; outcome: string }[] }).participants;
    expect(participants.find((p) => p.user_id === bob.user.id)?.outcome).toBe("declined");
  });

  it("a group call where everyone declines ends as declined", async ({ expect }) => {
    const { users, conversationId } = await conversationOf(3);
    const [alice, bob, carol] = users;
    if (!alice || !bob || !carol) throw new Error("users");
    const { id } = await initiate(alice, conversationId);
    await api(bob, "POST", `/v1/calls/${id}/decline`);
    const last = await api(carol, "POST", `/v1/calls/${id}/decline`);
    expect(last.body.call).toMatchObject({ status: "ended", end_reason: "declined" });
  });
});

describe("membership changes", () => {
  it("a member removed from the conversation after the call started can no longer join it", async ({ expect }) => {
    const { users, conversationId } = await conversationOf(3);
    const [alice, bob, carol] = users;
    if (!alice || !bob || !carol) throw new Error("users");
    const { id } = await initiate(alice, conversationId);
    const removed = await api(alice, "DELETE", `/v1/conversations/${conversationId}/members/${carol.user.id}`);
    expect(removed.status).toBe(204);
    expect((await api(carol, "POST", `/v1/calls/${id}/join`)).status).toBe(404);
    expect((await api(bob, "POST", `/v1/calls/${id}/join`)).status).toBe(200);
  });
});

describe("several devices of one user", () => {
  it("joining on one device stops the ringing on the others (chat) and hands over signaling", async ({ expect }) => {
    const { users, conversationId } = await conversationOf(2);
    const [alice, bob] = users;
    if (!alice || !bob) throw new Error("users");
    const phone = await chatSocket(bob, conversationId);
    const laptop = await chatSocket(bob, conversationId);
    const { id } = await initiate(alice, conversationId);
    expect(await phone.next("call")).toMatchObject({ event: "incoming" });
    expect(await laptop.next("call")).toMatchObject({ event: "incoming" });

    expect((await api(bob, "POST", `/v1/calls/${id}/join`)).status).toBe(200);
    expect(await phone.next("call")).toMatchObject({ event: "answered_elsewhere", call: { id, status: "active" } });
    expect(await laptop.next("call")).toMatchObject({ event: "answered_elsewhere", call: { id } });

    // The phone took the call and opened signaling; answering again on the laptop takes it over.
    const phoneSig = await signaling(bob, id);
    await phoneSig.next("call_state");
    expect((await api(bob, "POST", `/v1/calls/${id}/join`)).status).toBe(200);
    expect(await phoneSig.next("answered_elsewhere")).toEqual({ type: "answered_elsewhere", call_id: id });
    expect(await phoneSig.whenClosed()).toBe(4001);
    const laptopSig = await signaling(bob, id);
    expect(await laptopSig.next("call_state")).toMatchObject({ status: "active" });
    phone.close();
    laptop.close();
  });
});

describe("one open call per conversation", () => {
  it("answers 409 while a call rings, and 404 to non-members", async ({ expect }) => {
    const { users, conversationId } = await conversationOf(2);
    const [alice, bob] = users;
    const outsider = (await conversationOf(2)).users[0];
    if (!alice || !bob || !outsider) throw new Error("users");
    const { id } = await initiate(alice, conversationId);
    const second = await api(bob, "POST", "/v1/calls/initiate", { conversation_id: conversationId, type: "video" });
    expect(second.status).toBe(409);
    expect(second.body.error?.code).toBe("CONFLICT");
    const stranger = await api(outsider, "POST", "/v1/calls/initiate", { conversation_id: conversationId, type: "audio" });
    expect(stranger.status).toBe(404);
    expect((await api(outsider, "GET", `/v1/calls/${id}`)).status).toBe(404);
    expect((await api(outsider, "POST", `/v1/calls/${id}/join`)).status).toBe(404);
    expect((await api(outsider, "GET", `/v1/calls?conversation_id=${conversationId}`)).status).toBe(404);
    // The caller hangs up before anyone answers: cancelled, the callee missed it, the line frees up.
    const cancelled = await api(alice, "POST", `/v1/calls/${id}/end`);
    expect(cancelled.body.call).toMatchObject({ status: "ended", end_reason: "cancelled" });
    expect((await api(alice, "POST", `/v1/calls/${id}/end`)).status).toBe(200);
    const history = await api(bob, "GET", `/v1/calls?conversation_id=${conversationId}`);
    expect(history.body.calls).toEqual([expect.objectContaining({ id, missed: true })]);
    expect((await api(bob, "POST", "/v1/calls/initiate", { conversation_id: conversationId, type: "video" })).status).toBe(201);
  });

  it("two racing initiates produce exactly one call", async ({ expect }) => {
    const { users, conversationId } = await conversationOf(2);
    const [alice, bob] = users;
    if (!alice || !bob) throw new Error("users");
    const answers = await Promise.all([
      api(alice, "POST", "/v1/calls/initiate", { conversation_id: conversationId, type: "audio" }),
      api(bob, "POST", "/v1/calls/initiate", { conversation_id: conversationId, type: "audio" }),
      api(alice, "POST", "/v1/calls/initiate", { conversation_id: conversationId, type: "video" }),
    ]);
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409, 409]);
    const history = await api(alice, "GET", `/v1/calls?conversation_id=${conversationId}`);
    expect(history.body.calls).toHaveLength(1);
  });
});
