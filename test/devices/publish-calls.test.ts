import { afterAll, beforeAll, describe, it } from "vitest";
import { MISSED_CALL_CONTENT_TYPE, missedCallBodySchema } from "../../lib/contracts/chat-frames";
import type { MessageView } from "../../lib/contracts/chat";
import { installRealtimeFakes, type RealtimeFakes } from "../fakes/realtime-network";
import { api, conversationOf, initiate } from "../calls/helpers";
import { createUser } from "../helpers/auth";
import { nextEvent, openStream } from "./publish-client";

let fakes: RealtimeFakes;
beforeAll(() => {
  fakes = installRealtimeFakes();
});
afterAll(() => fakes.uninstall());

/** Calls reach every online device of the members, wherever the app is (issue 18). */
describe("calls on the device streams", () => {
  it("rings the callee's devices while the callee has no conversation socket; answering stops the ring on the other device", async ({ expect }) => {
    const { users, conversationId } = await conversationOf(2);
    const [alice, bob] = users;
    if (!alice || !bob) throw new Error("users");
    const [phone, laptop] = await Promise.all([openStream(bob), openStream(bob)]);

    const { id } = await initiate(alice, conversationId, { type: "audio" });
    for (const device of [phone, laptop]) {
      expect(await nextEvent(device, "call")).toEqual({
        kind: "call",
        event: "ringing",
        call: { id, conversation_id: conversationId, type: "audio", status: "ringing", initiator_id: alice.user.id },
      });
    }
    expect((await api(bob, "POST", `/v1/calls/${id}/join`)).status).toBe(200);
    expect(await nextEvent(laptop, "call")).toMatchObject({ event: "answered_elsewhere", call: { id, status: "active" } });
    expect((await api(alice, "POST", `/v1/calls/${id}/end`)).status).toBe(200);
    expect(await nextEvent(laptop, "call", (e) => e.event === "ended")).toMatchObject({ call: { id, status: "ended" } });
    await Promise.all([phone.socket.end(), laptop.socket.end()]);
  });

  it("a call nobody answered is `missed` on the callee's stream and a call/missed message in the conversation's history", async ({ expect }) => {
    const { users, conversationId } = await conversationOf(2);
    const [alice, bob] = users;
    if (!alice || !bob) throw new Error("users");
    const phone = await openStream(bob);
    const { id } = await initiate(alice, conversationId, { type: "video" });
    await nextEvent(phone, "call", (e) => e.event === "ringing");
    expect((await api(alice, "POST", `/v1/calls/${id}/end`)).status).toBe(200);
    expect(await nextEvent(phone, "call", (e) => e.event === "missed")).toMatchObject({ call: { id, status: "ended" } });
    // The trace is a message: the list shows it (conversation event) and history keeps it.
    const change = await nextEvent(phone, "conversation");
    expect(change.last_message).toMatchObject({ sender_id: alice.user.id, content_type: MISSED_CALL_CONTENT_TYPE });

    const history = await api(bob, "GET", `/v1/conversations/${conversationId}/messages`);
    const messages = (history.body as { messages: MessageView[] }).messages;
    const traces = messages.filter((m) => m.content_type === MISSED_CALL_CONTENT_TYPE);
    expect(traces).toHaveLength(1);
    expect(missedCallBodySchema.parse(JSON.parse(traces[0]?.body ?? "null"))).toEqual({ call_id: id, call_type: "video", missed_by: [bob.user.id] });
    await phone.socket.end();
  });

  it("a member added to a group during its call is rung on add and may join it", async ({ expect }) => {
    const { users, conversationId } = await conversationOf(3);
    const [alice, bob] = users;
    if (!alice || !bob) throw new Error("users");
    const dave = await createUser();
    const daves = await openStream(dave);
    const { id } = await initiate(alice, conversationId, { type: "audio" });
    expect((await api(bob, "POST", `/v1/calls/${id}/join`)).status).toBe(200);

    expect((await api(alice, "POST", `/v1/conversations/${conversationId}/members`, { user_ids: [dave.user.id] })).status).toBe(200);
    expect(await nextEvent(daves, "call")).toMatchObject({ event: "ringing", call: { id, conversation_id: conversationId, initiator_id: alice.user.id } });
    const joined = await api(dave, "POST", `/v1/calls/${id}/join`);
    expect(joined.status).toBe(200);
    expect(joined.body.call).toMatchObject({ id, status: "active" });

    // Once it has ended, a member added later is not rung and cannot join.
    expect((await api(alice, "POST", `/v1/calls/${id}/end`)).status).toBe(200);
    const erin = await createUser();
    expect((await api(alice, "POST", `/v1/conversations/${conversationId}/members`, { user_ids: [erin.user.id] })).status).toBe(200);
    expect((await api(erin, "POST", `/v1/calls/${id}/join`)).status).toBe(404);
    await daves.socket.end();
  });
});
