import { afterAll, beforeAll, describe, it } from "vitest";
import { installRealtimeFakes, type RealtimeFakes } from "../fakes/realtime-network";
import { api, chatSocket, conversationOf, initiate, signaling } from "./helpers";

let fakes: RealtimeFakes;
beforeAll(() => {
  fakes = installRealtimeFakes();
});
afterAll(() => fakes.uninstall());

describe("a 1:1 call through the gateway", () => {
  it("rings, is answered, relays signaling, and is logged with its duration", async ({ expect }) => {
    const { users, conversationId } = await conversationOf(2);
    const [alice, bob] = users;
    if (!alice || !bob) throw new Error("users");
    const bobChat = await chatSocket(bob, conversationId);

    const { id, answer } = await initiate(alice, conversationId, { type: "video" });
    const call = answer.body.call as Record<string, unknown>;
    expect(call).toMatchObject({ status: "ringing", type: "video", initiator_id: alice.user.id, conversation_id: conversationId });
    // The test deployment runs STUN only (see ice-servers.test.ts for the TURN modes).
    expect(answer.body.ice_servers).toEqual([{ urls: ["stun:stun.cloudflare.com:3478"] }]);

    const incoming = await bobChat.next("call");
    expect(incoming).toMatchObject({ event: "incoming", call: { id, status: "ringing", initiator_id: alice.user.id } });

    const aliceSig = await signaling(alice, id);
    expect(await aliceSig.next("call_state")).toMatchObject({ status: "ringing" });

    const joined = await api(bob, "POST", `/v1/calls/${id}/join`);
    expect(joined.status).toBe(200);
    expect(joined.body.call).toMatchObject({ status: "active", started_at: expect.any(String) });
    expect(await aliceSig.next("participant_joined")).toEqual({ type: "participant_joined", user_id: bob.user.id });
    expect(await aliceSig.next("call_state")).toMatchObject({ status: "active" });

    const bobSig = await signaling(bob, id);
    await bobSig.next("call_state");
    aliceSig.send({ type: "offer", to_user_id: bob.user.id, payload: { type: "offer", sdp: "v=0\r\no=alice\r\n" } });
    expect(await bobSig.next("offer")).toEqual({ type: "offer", from_user_id: alice.user.id, payload: { type: "offer", sdp: "v=0\r\no=alice\r\n" } });
    bobSig.send({ type: "answer", to_user_id: alice.user.id, payload: { type: "answer", sdp: "v=0\r\no=bob\r\n" } });
    expect(await aliceSig.next("answer")).toMatchObject({ from_user_id: bob.user.id });
    bobSig.send({
      type: "ice_candidate",
      to_user_id: alice.user.id,
      payload: { candidate: "candidate:1 1 udp 2122260223 192.0.2.1 54321 typ host", sdpMid: "0", sdpMLineIndex: 0 },
    });
    expect(await aliceSig.next("ice_candidate")).toMatchObject({ from_user_id: bob.user.id, payload: { sdpMid: "0" } });

    const left = await api(bob, "POST", `/v1/calls/${id}/leave`);
    expect(left.status).toBe(200);
    expect(left.body.call).toMatchObject({ status: "ended", end_reason: "completed", duration_seconds: expect.any(Number) });
    expect(await aliceSig.next("participant_left")).toEqual({ type: "participant_left", user_id: bob.user.id });
    expect(await aliceSig.next("call_state")).toMatchObject({ status: "ended" });
    expect(await aliceSig.whenClosed()).toBe(4000);

    const logged = await api(alice, "GET", `/v1/calls/${id}`);
    expect(logged.status).toBe(200);
    const log = logged.body.call as { participants: { user_id: string; joined_at: string | null; left_at: string | null; outcome: string }[] };
    expect(logged.body.call).toMatchObject({ status: "ended", end_reason: "completed", ended_at: expect.any(String), duration_seconds: expect.any(Number) });
    expect(log.participants).toHaveLength(2);
    for (const p of log.participants) expect(p).toMatchObject({ outcome: "joined", joined_at: expect.any(String), left_at: expect.any(String) });

    const history = await api(bob, "GET", `/v1/calls?conversation_id=${conversationId}&limit=5`);
    expect(history.status).toBe(200);
    expect(history.body.calls).toEqual([expect.objectContaining({ id, missed: false, status: "ended" })]);
    bobChat.close();
  });
});

describe("OpenAPI", () => {
  it("describes every calls route", async ({ expect }) => {
    const doc = await api(null, "GET", "/openapi.json");
    const paths = Object.keys((doc.body.paths as Record<string, unknown> | undefined) ?? {});
    expect(paths).toEqual(
      expect.arrayContaining([
        "/v1/calls/initiate",
        "/v1/calls/ice-servers",
        "/v1/calls",
        "/v1/calls/{id}",
        "/v1/calls/{id}/join",
        "/v1/calls/{id}/decline",
        "/v1/calls/{id}/leave",
        "/v1/calls/{id}/end",
        "/v1/calls/{id}/sfu/sessions",
        "/v1/calls/{id}/sfu/sessions/{session_id}/tracks",
        "/v1/calls/{id}/sfu/sessions/{session_id}/renegotiate",
        "/v1/calls/{id}/sfu/sessions/{session_id}/tracks/close",
        "/v1/ws/signaling",
      ]),
    );
  });
});
