import { afterAll, beforeAll, describe, it } from "vitest";
import { installRealtimeFakes, type RealtimeFakes } from "../fakes/realtime-network";
import { api, chatSocket, conversationOf, initiate } from "../calls/helpers";
import { signInAgain } from "../helpers/auth";
import { nextEvent, openGatewayStream, type Stream } from "./publish-client";

let fakes: RealtimeFakes;
beforeAll(() => {
  fakes = installRealtimeFakes();
});
afterAll(() => fakes.uninstall());

/** The next call event on a stream other than `ringing` (events arrive in order, so nothing was skipped before it). */
const nextAfterRing = (stream: Stream) => nextEvent(stream, "call", (e) => e.event !== "ringing");

/** The device that answered or declined hears nothing about its own act; the user's other devices and the caller do (issue 18). */
describe("call events per device", () => {
  it("answering on one device sends answered_elsewhere to the callee's other device only", async ({ expect }) => {
    const { users, conversationId } = await conversationOf(2);
    const [alice, bob] = users;
    if (!alice || !bob) throw new Error("users");
    const bobLaptop = await signInAgain(bob);
    const [phone, laptop] = await Promise.all([openGatewayStream(bob), openGatewayStream(bobLaptop)]);
    expect(phone.deviceId).not.toBe(laptop.deviceId);

    const { id } = await initiate(alice, conversationId, { type: "audio" });
    for (const device of [phone, laptop]) expect(await nextEvent(device, "call")).toMatchObject({ event: "ringing", call: { id } });
    // The phone's sign-in answers.
    expect((await api(bob, "POST", `/v1/calls/${id}/join`)).status).toBe(200);
    expect(await nextAfterRing(laptop)).toMatchObject({ event: "answered_elsewhere", call: { id, status: "active" } });
    expect((await api(alice, "POST", `/v1/calls/${id}/end`)).status).toBe(200);
    expect(await nextAfterRing(laptop)).toMatchObject({ event: "ended", call: { id } });
    // The phone's first call event after the ring is the end: it never heard answered_elsewhere.
    expect(await nextAfterRing(phone)).toMatchObject({ event: "ended", call: { id, status: "ended" } });
    await Promise.all([phone.socket.end(), laptop.socket.end()]);
  });

  it("a 1:1 decline: the caller and the callee's other device get declined, then ended; the declining device only ended", async ({ expect }) => {
    const { users, conversationId } = await conversationOf(2);
    const [alice, bob] = users;
    if (!alice || !bob) throw new Error("users");
    const bobLaptop = await signInAgain(bob);
    const [caller, phone, laptop] = await Promise.all([openGatewayStream(alice), openGatewayStream(bob), openGatewayStream(bobLaptop)]);
    const bobsChat = await chatSocket(bob, conversationId);

    const { id } = await initiate(alice, conversationId, { type: "video" });
    for (const device of [phone, laptop]) await nextEvent(device, "call", (e) => e.event === "ringing");
    expect(await bobsChat.next("call")).toMatchObject({ event: "incoming" });
    expect((await api(bob, "POST", `/v1/calls/${id}/decline`)).status).toBe(200);

    for (const device of [caller, laptop]) {
      expect(await nextAfterRing(device)).toEqual({
        kind: "call",
        event: "declined",
        call: { id, conversation_id: conversationId, type: "video", status: "ended", initiator_id: alice.user.id },
      });
      expect(await nextAfterRing(device)).toMatchObject({ event: "ended", call: { id } });
    }
    expect(await nextAfterRing(phone)).toMatchObject({ event: "ended", call: { id } });
    // The conversation socket has no `declined` frame: it hears the end, as before.
    expect(await bobsChat.next("call")).toMatchObject({ event: "ended", call: { id } });
    bobsChat.close();
    await Promise.all([caller.socket.end(), phone.socket.end(), laptop.socket.end()]);
  });

  it("a group decline: the caller hears declined while the call rings on; the decliner's chat sockets stop ringing as before", async ({ expect }) => {
    const { users, conversationId } = await conversationOf(3);
    const [alice, bob, carol] = users;
    if (!alice || !bob || !carol) throw new Error("users");
    const bobLaptop = await signInAgain(bob);
    const [caller, phone, laptop, carols] = await Promise.all([
      openGatewayStream(alice),
      openGatewayStream(bob),
      openGatewayStream(bobLaptop),
      openGatewayStream(carol),
    ]);
    const bobsChat = await chatSocket(bobLaptop, conversationId);

    const { id } = await initiate(alice, conversationId, { type: "audio" });
    for (const device of [phone, laptop, carols]) await nextEvent(device, "call", (e) => e.event === "ringing");
    expect(await bobsChat.next("call")).toMatchObject({ event: "incoming" });
    expect((await api(bob, "POST", `/v1/calls/${id}/decline`)).status).toBe(200);

    for (const device of [caller, laptop]) expect(await nextAfterRing(device)).toMatchObject({ event: "declined", call: { id, status: "ringing" } });
    expect(await bobsChat.next("call")).toMatchObject({ event: "answered_elsewhere", call: { id, status: "ringing" } });
    // Carol was not told of Bob's decline; her ring goes on until the end, which everyone hears.
    expect((await api(alice, "POST", `/v1/calls/${id}/end`)).status).toBe(200);
    expect(await nextAfterRing(carols)).toMatchObject({ event: "ended", call: { id } });
    expect(await nextAfterRing(phone)).toMatchObject({ event: "ended", call: { id } });
    expect(await nextAfterRing(caller)).toMatchObject({ event: "ended", call: { id } });
    bobsChat.close();
    await Promise.all([caller, phone, laptop, carols].map((s) => s.socket.end()));
  });
});
