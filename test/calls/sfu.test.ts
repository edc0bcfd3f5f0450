import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterAll, beforeAll, describe, it } from "vitest";
import { CallsService } from "../../workers/calls/src/index";
import { installRealtimeFakes, type RealtimeFakes } from "../fakes/realtime-network";
import { api, conversationOf, initiate } from "./helpers";

let fakes: RealtimeFakes;
beforeAll(() => {
  fakes = installRealtimeFakes();
});
afterAll(() => fakes.uninstall());

const offer = { type: "offer", sdp: "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n" };

async function groupCall() {
  const { users, conversationId } = await conversationOf(3);
  const [alice, bob, carol] = users;
  if (!alice || !bob || !carol) throw new Error("users");
  const { id } = await initiate(alice, conversationId, { type: "video" });
  await api(bob, "POST", `/v1/calls/${id}/join`);
  return { alice, bob, carol, id };
}

describe("SFU proxy", () => {
  it("creates sessions, publishes and pulls tracks, renegotiates and closes, with Cloudflare's shapes", async ({ expect }) => {
    const { alice, bob, id } = await groupCall();
    const aliceSession = await api(alice, "POST", `/v1/calls/${id}/sfu/sessions`, { sessionDescription: offer });
    expect(aliceSession.status).toBe(201);
    expect(aliceSession.body).toMatchObject({ sessionId: expect.any(String), sessionDescription: { type: "answer" } });
    const aliceSid = String(aliceSession.body.sessionId);

    const publish = await api(alice, "POST", `/v1/calls/${id}/sfu/sessions/${aliceSid}/tracks`, {
      sessionDescription: offer,
      tracks: [{ location: "local", mid: "0", trackName: "alice-mic", kind: "audio" }],
    });
    expect(publish.status).toBe(200);
    expect(publish.body).toMatchObject({ requiresImmediateRenegotiation: false, tracks: [{ mid: "0", trackName: "alice-mic" }] });

    const bobSid = String((await api(bob, "POST", `/v1/calls/${id}/sfu/sessions`, {})).body.sessionId);
    const pull = await api(bob, "POST", `/v1/calls/${id}/sfu/sessions/${bobSid}/tracks`, {
      tracks: [{ location: "remote", sessionId: aliceSid, trackName: "alice-mic" }],
    });
    expect(pull.status).toBe(200);
    expect(pull.body).toMatchObject({
      requiresImmediateRenegotiation: true,
      tracks: [{ trackName: "alice-mic", sessionId: aliceSid, mid: expect.any(String) }],
      sessionDescription: { type: "offer" },
    });

    const renegotiated = await api(bob, "PUT", `/v1/calls/${id}/sfu/sessions/${bobSid}/renegotiate`, {
      sessionDescription: { type: "answer", sdp: "v=0\r\nbob\r\n" },
    });
    expect(renegotiated.status).toBe(200);
    const pulledMid = String((pull.body.tracks as { mid: string }[])[0]?.mid);
    const closed = await api(bob, "PUT", `/v1/calls/${id}/sfu/sessions/${bobSid}/tracks/close`, { tracks: [{ mid: pulledMid }], force: true });
    expect(closed.body).toMatchObject({ tracks: [{ mid: pulledMid }], requiresImmediateRenegotiation: false });
    // The app secret went to Cloudflare, never to the client.
    expect(JSON.stringify([aliceSession.body, publish.body, pull.body, closed.body])).not.toContain(env.REALTIME_APP_SECRET);
    expect(fakes.sfu.requests.some((r) => r.path.endsWith(`${aliceSid}/tracks/new`))).toBe(true);
  });

  it("locks each session to its creator and refuses pulls from other calls", async ({ expect }) => {
    const { alice, bob, carol, id } = await groupCall();
    const aliceSid = String((await api(alice, "POST", `/v1/calls/${id}/sfu/sessions`, {})).body.sessionId);
    await api(alice, "POST", `/v1/calls/${id}/sfu/sessions/${aliceSid}/tracks`, {
      sessionDescription: offer,
      tracks: [{ location: "local", trackName: "cam" }],
    });

    const hijack = await api(bob, "POST", `/v1/calls/${id}/sfu/sessions/${aliceSid}/tracks`, { tracks: [{ location: "local", trackName: "evil" }] });
    expect(hijack.status).toBe(403);
    expect((await api(bob, "PUT", `/v1/calls/${id}/sfu/sessions/${aliceSid}/tracks/close`, { tracks: [{ mid: "0" }], force: true })).status).toBe(403);
    expect((await api(bob, "PUT", `/v1/calls/${id}/sfu/sessions/${aliceSid}/renegotiate`, { sessionDescription: { type: "answer", sdp: "v=0" } })).status).toBe(
      403,
    );
    expect(
      (await api(bob, "PUT", `/v1/calls/${id}/sfu/sessions/made-up-session/renegotiate`, { sessionDescription: { type: "answer", sdp: "v=0" } })).status,
    ).toBe(404);

    // Another call's participant cannot pull Alice's track, even knowing her session id.
    const other = await groupCall();
    const eveSid = String((await api(other.bob, "POST", `/v1/calls/${other.id}/sfu/sessions`, {})).body.sessionId);
    const crossPull = await api(other.bob, "POST", `/v1/calls/${other.id}/sfu/sessions/${eveSid}/tracks`, {
      tracks: [{ location: "remote", sessionId: aliceSid, trackName: "cam" }],
    });
    expect(crossPull.status).toBe(403);
    expect(crossPull.body.error?.code).toBe("FORBIDDEN");
    // And a session of that other call cannot be used through this call's route.
    expect((await api(other.bob, "POST", `/v1/calls/${id}/sfu/sessions/${eveSid}/tracks`, { tracks: [{ location: "local", trackName: "x" }] })).status).toBe(
      404,
    );

    // Carol is invited but not in the call; a stranger is not invited at all.
    expect((await api(carol, "POST", `/v1/calls/${id}/sfu/sessions`, {})).status).toBe(403);
    expect((await api(other.alice, "POST", `/v1/calls/${id}/sfu/sessions`, {})).status).toBe(404);
  });

  it("cleans up a participant's tracks when they leave, and stops vouching for their session", async ({ expect }) => {
    const { alice, bob, carol, id } = await groupCall();
    await api(carol, "POST", `/v1/calls/${id}/join`);
    const aliceSid = String((await api(alice, "POST", `/v1/calls/${id}/sfu/sessions`, {})).body.sessionId);
    await api(alice, "POST", `/v1/calls/${id}/sfu/sessions/${aliceSid}/tracks`, {
      sessionDescription: offer,
      tracks: [{ location: "local", mid: "0", trackName: "mic" }],
    });
    expect(fakes.sfu.sessions.get(aliceSid)?.tracks.size).toBe(1);
    await api(alice, "POST", `/v1/calls/${id}/leave`);
    const bobSid = String((await api(bob, "POST", `/v1/calls/${id}/sfu/sessions`, {})).body.sessionId);
    const pull = await api(bob, "POST", `/v1/calls/${id}/sfu/sessions/${bobSid}/tracks`, {
      tracks: [{ location: "remote", sessionId: aliceSid, trackName: "mic" }],
    });
    expect(pull.status).toBe(403);
    const closes = fakes.sfu.requests.filter((r) => r.path.endsWith(`${aliceSid}/tracks/close`));
    expect(closes).toEqual([expect.objectContaining({ method: "PUT", body: { tracks: [{ mid: "0" }], force: true } })]);
    expect(fakes.sfu.sessions.get(aliceSid)?.tracks.size).toBe(0);
  });

  it("maps Cloudflare's error answers: bad SDP 400, unknown session 404, outage 503", async ({ expect }) => {
    const { alice, id } = await groupCall();
    fakes.sfu.failNext(400, { errorCode: "invalid_sdp", errorDescription: "Could not parse SDP" });
    const badSdp = await api(alice, "POST", `/v1/calls/${id}/sfu/sessions`, { sessionDescription: offer });
    expect(badSdp.status).toBe(400);
    expect(badSdp.body.error?.message).toContain("invalid_sdp");
    fakes.sfu.failNext(503);
    expect((await api(alice, "POST", `/v1/calls/${id}/sfu/sessions`, {})).status).toBe(503);
    fakes.sfu.failNext(500, "<html>oops</html>");
    expect((await api(alice, "POST", `/v1/calls/${id}/sfu/sessions`, {})).status).toBe(503);
    const sid = String((await api(alice, "POST", `/v1/calls/${id}/sfu/sessions`, {})).body.sessionId);
    fakes.sfu.sessions.delete(sid); // expired at Cloudflare
    expect((await api(alice, "PUT", `/v1/calls/${id}/sfu/sessions/${sid}/renegotiate`, { sessionDescription: { type: "answer", sdp: "v=0" } })).status).toBe(
      404,
    );
    const wrongSecret = new CallsService(createExecutionContext(), { ...env, REALTIME_APP_SECRET: "wrong" });
    const refused = await wrongSecret.sfu({ requestId: "t", userId: alice.user.id }, { action: "new_session", callId: id, body: {} });
    expect(refused).toMatchObject({ ok: false, error: { code: "SERVICE_UNAVAILABLE" } });
  });

  it("answers 503 naming the missing setting when the SFU is not configured", async ({ expect }) => {
    const { alice, id } = await groupCall();
    const unconfigured = new CallsService(createExecutionContext(), { ...env, REALTIME_APP_ID: "" });
    const answer = await unconfigured.sfu({ requestId: "t", userId: alice.user.id }, { action: "new_session", callId: id, body: {} });
    expect(answer).toMatchObject({ ok: false, error: { code: "SERVICE_UNAVAILABLE", message: expect.stringContaining("REALTIME_APP_ID") } });
  });
});
