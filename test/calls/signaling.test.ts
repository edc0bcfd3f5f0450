import { exports } from "cloudflare:workers";
import { afterAll, beforeAll, describe, it } from "vitest";
import { BASE } from "../helpers/auth";
import { installRealtimeFakes, type RealtimeFakes } from "../fakes/realtime-network";
import { activeGroupCall, api, connect, conversationOf, type TestSocket } from "./helpers";

let fakes: RealtimeFakes;
beforeAll(() => {
  fakes = installRealtimeFakes();
});
afterAll(() => fakes.uninstall());

const activeCall = () => activeGroupCall();

async function expectError(socket: TestSocket, code: string): Promise<void> {
  const frame = await socket.next("error");
  if (frame.code !== code) throw new Error(`expected ${code}, got ${JSON.stringify(frame)}`);
}

describe("signaling upgrades are refused before the upgrade", () => {
  it("refuses outsiders, invitees who have not joined, missing/forged/spent tickets, with the error envelope", async ({ expect }) => {
    const { carol, id, aliceSig } = await activeCall();
    const outsider = (await conversationOf(2)).users[0];
    if (!outsider) throw new Error("users");

    const stranger = await connect(`/v1/ws/signaling?call_id=${id}`, outsider);
    expect(stranger.status).toBe(404);
    expect(stranger.body).toMatchObject({ error: { code: "NOT_FOUND", request_id: expect.any(String) } });

    const ringing = await connect(`/v1/ws/signaling?call_id=${id}`, carol);
    expect(ringing.status).toBe(403);
    expect(ringing.body).toMatchObject({ error: { code: "FORBIDDEN" } });

    expect((await connect(`/v1/ws/signaling?call_id=${id}`, null)).status).toBe(401);
    expect((await connect(`/v1/ws/signaling?call_id=${id}&ticket=forged-ticket-value`, null)).status).toBe(401);
    // A client cannot claim an identity with the internal header: it is stripped by the gateway.
    const spoofed = await connect(`/v1/ws/signaling?call_id=${id}`, null, { "x-sc-verified-user": carol.user.id });
    expect(spoofed.status).toBe(401);

    const ticketRes = await exports.default.fetch(`${BASE}/v1/ws/ticket`, { method: "POST", headers: carol.headers });
    expect(ticketRes.status).toBe(201);
    const { ticket } = await ticketRes.json<{ ticket: string }>();
    await api(carol, "POST", `/v1/calls/${id}/join`);
    const withTicket = await connect(`/v1/ws/signaling?call_id=${id}&ticket=${encodeURIComponent(ticket)}`, null);
    expect(withTicket.status).toBe(101);
    const replayed = await connect(`/v1/ws/signaling?call_id=${id}&ticket=${encodeURIComponent(ticket)}`, null);
    expect(replayed.status).toBe(401);

    expect((await connect(`/v1/ws/signaling?call_id=${"0".repeat(20)}`, carol)).status).toBe(404);
    expect((await connect(`/v1/ws/signaling?call_id=line:${id}`, carol)).status).toBe(400);
    const notUpgrade = await exports.default.fetch(`${BASE}/v1/ws/signaling?call_id=${id}`, { headers: carol.headers });
    expect(notUpgrade.status).toBe(400);
    aliceSig.close();
    withTicket.socket?.close();
  });
});

describe("relay", () => {
  it("relays only to participants in the call, stamped with the sender's verified id", async ({ expect }) => {
    const { alice, bob, carol, aliceSig, bobSig } = await activeCall();
    const outsider = (await conversationOf(2)).users[0];
    if (!outsider) throw new Error("users");

    // Carol is invited but has not joined: nothing reaches her; the sender learns why.
    aliceSig.send({ type: "offer", to_user_id: carol.user.id, payload: { sdp: "v=0" } });
    await expectError(aliceSig, "NOT_FOUND");
    aliceSig.send({ type: "offer", to_user_id: outsider.user.id, payload: { sdp: "v=0" } });
    await expectError(aliceSig, "NOT_FOUND");
    aliceSig.send({ type: "offer", to_user_id: alice.user.id, payload: { sdp: "v=0" } });
    await expectError(aliceSig, "NOT_FOUND");

    // A forged from_user_id is refused by the schema; the real sender is what the target sees.
    aliceSig.send({ type: "offer", to_user_id: bob.user.id, from_user_id: carol.user.id, payload: { sdp: "v=0" } });
    await expectError(aliceSig, "VALIDATION_ERROR");
    aliceSig.send({ type: "offer", to_user_id: bob.user.id, payload: { sdp: "v=0 real" } });
    expect(await bobSig.next("offer")).toEqual({ type: "offer", from_user_id: alice.user.id, payload: { sdp: "v=0 real" } });
    expect(bobSig.pending().filter((f) => f.type === "offer")).toEqual([]);
  });

  it("answers bad frames with an error frame and keeps the socket open", async ({ expect }) => {
    const { bob, aliceSig, bobSig } = await activeCall();
    const cases: [unknown, string][] = [
      ["not json", "BAD_REQUEST"],
      ["[1,2,3]", "VALIDATION_ERROR"],
      [{ type: "teleport" }, "VALIDATION_ERROR"],
      [{ type: "offer", to_user_id: bob.user.id }, "VALIDATION_ERROR"],
      [{ type: "offer", to_user_id: 42, payload: { sdp: "v=0" } }, "VALIDATION_ERROR"],
      [{ type: "ice_candidate", to_user_id: bob.user.id, payload: { candidate: 7 } }, "VALIDATION_ERROR"],
      [{ type: "offer", to_user_id: bob.user.id, payload: { sdp: "x".repeat(16 * 1024 + 1) } }, "VALIDATION_ERROR"],
      ["x".repeat(30 * 1024), "PAYLOAD_TOO_LARGE"],
    ];
    for (const [frame, code] of cases) {
      aliceSig.send(frame);
      await expectError(aliceSig, code);
    }
    aliceSig.send('{"type":"ping"}');
    expect(await aliceSig.next("pong")).toEqual({ type: "pong" });
    aliceSig.send({ type: "ice_candidate", to_user_id: bob.user.id, payload: { candidate: "candidate:0 1 udp 1 198.51.100.7 9 typ host", sdpMLineIndex: 0 } });
    expect(await bobSig.next("ice_candidate")).toMatchObject({ payload: { sdpMLineIndex: 0 } });
    expect(aliceSig.closed).toBeNull();
  });

  it("drops a flood of frames with RATE_LIMITED errors and keeps the socket", async ({ expect }) => {
    const { bob, aliceSig, bobSig } = await activeCall();
    for (let i = 0; i < 205; i += 1)
      aliceSig.send({ type: "ice_candidate", to_user_id: bob.user.id, payload: { candidate: `candidate:${i} 1 udp 1 192.0.2.1 ${1000 + i} typ host` } });
    await expectError(aliceSig, "RATE_LIMITED");
    let relayed = 0;
    while (relayed < 200) {
      await bobSig.next("ice_candidate");
      relayed += 1;
    }
    expect(bobSig.pending().filter((f) => f.type === "ice_candidate")).toEqual([]);
    expect(aliceSig.closed).toBeNull();
  });

  it("a participant who leaves is closed out and can no longer be reached", async ({ expect }) => {
    const { alice, bob, carol, id, aliceSig, bobSig } = await activeCall();
    await api(carol, "POST", `/v1/calls/${id}/join`);
    expect(await aliceSig.next("participant_joined")).toEqual({ type: "participant_joined", user_id: carol.user.id });
    const left = await api(bob, "POST", `/v1/calls/${id}/leave`);
    expect(left.body.call).toMatchObject({ status: "active" });
    expect(await bobSig.whenClosed()).toBe(4002);
    expect(await aliceSig.next("participant_left")).toEqual({ type: "participant_left", user_id: bob.user.id });
    aliceSig.send({ type: "answer", to_user_id: bob.user.id, payload: { sdp: "v=0" } });
    await expectError(aliceSig, "NOT_FOUND");
    expect((await connect(`/v1/ws/signaling?call_id=${id}`, bob)).status).toBe(403);
    expect((await api(bob, "POST", `/v1/calls/${id}/leave`)).status).toBe(403);
    expect(alice.user.id).not.toBe(bob.user.id);
  });
});
