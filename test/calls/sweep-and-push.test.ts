import { abortAllDurableObjects, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterAll, beforeAll, describe, it } from "vitest";
import type { CallState } from "../../workers/calls/src/rooms/call-state";
import { installRealtimeFakes, type RealtimeFakes } from "../fakes/realtime-network";
import { api, conversationOf, initiate, signaling } from "./helpers";

let fakes: RealtimeFakes;
beforeAll(() => {
  fakes = installRealtimeFakes();
});
afterAll(() => fakes.uninstall());

const roomOf = (callId: string) => env.CALL_ROOM.get(env.CALL_ROOM.idFromName(callId));

describe("stale participants", () => {
  it("the sweep alarm removes a participant with no socket and no sign of life, ending a 1:1 call", async ({ expect }) => {
    const { users, conversationId } = await conversationOf(2);
    const [alice, bob] = users;
    if (!alice || !bob) throw new Error("users");
    const { id } = await initiate(alice, conversationId);
    await api(bob, "POST", `/v1/calls/${id}/join`);
    const aliceSig = await signaling(alice, id);
    await aliceSig.next("call_state");
    // A healthy sweep changes nothing.
    expect(await runDurableObjectAlarm(roomOf(id))).toBe(true);
    expect((await api(bob, "GET", `/v1/calls/${id}`)).body.call).toMatchObject({ status: "active" });

    // Bob's app died two minutes ago without a socket (the room's clock is the only thing we move).
    await runInDurableObject(roomOf(id), async (_instance, state) => {
      const stored = await state.storage.get<CallState>("state");
      const bobState = stored?.participants[bob.user.id];
      if (!stored || !bobState) throw new Error("no state");
      bobState.lastSeenMs = Date.now() - 120_000;
      await state.storage.put("state", stored);
    });
    aliceSig.close();
    await abortAllDurableObjects(); // drop the room's in-memory copy; storage is what it reloads
    expect(await runDurableObjectAlarm(roomOf(id))).toBe(true);
    const call = await api(alice, "GET", `/v1/calls/${id}`);
    expect(call.body.call).toMatchObject({ status: "ended", end_reason: "completed" });
    const participants = (call.body.call as { participants: { user_id: string; left_at: string | null }[] }).participants;
    expect(participants.every((p) => p.left_at !== null)).toBe(true);
    // The ended room cleans itself up on its last alarm; the call log stays.
    expect(await runDurableObjectAlarm(roomOf(id))).toBe(true);
    expect((await api(alice, "GET", `/v1/calls/${id}`)).status).toBe(200);
    expect((await api(alice, "POST", `/v1/calls/${id}/join`)).status).toBe(404);
  });
});

describe("incoming call push", () => {
  it("queues a high-priority incoming_call push for members without an open chat socket", async ({ expect }) => {
    const { users, conversationId } = await conversationOf(2);
    const [alice, bob] = users;
    if (!alice || !bob) throw new Error("users");
    const device = await api(bob, "POST", "/v1/users/me/devices", { platform: "android", push_token: `fcm-token-${bob.user.id}` });
    expect(device.status).toBe(201);
    const { id } = await initiate(alice, conversationId, { type: "video" });
    // The queue consumer runs on its own schedule; wait for its result, not for a time.
    let messages: { data?: Record<string, string> }[] = [];
    while (messages.length === 0) {
      const outbox = await api(bob, "GET", `/dev/push-outbox?user_id=${bob.user.id}`);
      messages = ((outbox.body.messages as { data?: Record<string, string> }[] | undefined) ?? []).filter((m) => m.data?.call_id === id);
      if (messages.length === 0) await scheduler.wait(50);
    }
    expect(messages[0]?.data).toMatchObject({ call_id: id, conversation_id: conversationId, caller_id: alice.user.id });
    const aliceOutbox = await api(alice, "GET", `/dev/push-outbox?user_id=${alice.user.id}`);
    expect(((aliceOutbox.body.messages as { data?: Record<string, string> }[] | undefined) ?? []).some((m) => m.data?.call_id === id)).toBe(false);
  });
});
