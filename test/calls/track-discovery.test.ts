import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterAll, beforeAll, describe, it } from "vitest";
import { CallsService } from "../../workers/calls/src/index";
import { createUser } from "../helpers/auth";
import { nextEvent, openStream } from "../devices/publish-client";
import { installRealtimeFakes, type RealtimeFakes } from "../fakes/realtime-network";
import { activeGroupCall, api, initiate, signaling, type TestSocket } from "./helpers";

let fakes: RealtimeFakes;
beforeAll(() => {
  fakes = installRealtimeFakes();
});
afterAll(() => fakes.uninstall());

/** A publisher's offer as a browser writes it: one audio and one video m-section, mids 0 and 1. */
const avOffer = {
  type: "offer",
  sdp: "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:1\r\n",
};

const groupCallWithSockets = () => activeGroupCall("video");

async function publish(user: { headers: Record<string, string> }, id: string): Promise<string> {
  const sid = String((await api(user, "POST", `/v1/calls/${id}/sfu/sessions`, {})).body.sessionId);
  const published = await api(user, "POST", `/v1/calls/${id}/sfu/sessions/${sid}/tracks`, {
    sessionDescription: avOffer,
    tracks: [
      { location: "local", mid: "0", trackName: "mic" },
      { location: "local", mid: "1", trackName: "cam" },
    ],
  });
  if (published.status !== 200) throw new Error(`publish: ${published.status}`);
  return sid;
}

/** Nothing of `type` arrives within a round trip (a ping answered means earlier frames are in). */
async function noFrame(socket: TestSocket, type: string): Promise<boolean> {
  socket.send({ type: "ping", extra: true });
  await socket.next("error");
  return !socket.pending().some((f) => f.type === type);
}

describe("track discovery", () => {
  it("tells the others what a participant publishes and closes, a late joiner gets the list, leaving removes the tracks", async ({ expect }) => {
    const { alice, bob, carol, id, aliceSig, bobSig } = await groupCallWithSockets();
    const aliceSid = await publish(alice, id);
    expect(await bobSig.next("tracks")).toEqual({
      type: "tracks",
      user_id: alice.user.id,
      session_id: aliceSid,
      tracks: [
        { track_name: "mic", kind: "audio" },
        { track_name: "cam", kind: "video" },
      ],
    });
    expect(await noFrame(aliceSig, "tracks")).toBe(true);

    // A pull names a track that session published; another name is refused before Cloudflare hears of it.
    const bobSid = String((await api(bob, "POST", `/v1/calls/${id}/sfu/sessions`, {})).body.sessionId);
    const pull = (trackName: string) =>
      api(bob, "POST", `/v1/calls/${id}/sfu/sessions/${bobSid}/tracks`, { tracks: [{ location: "remote", sessionId: aliceSid, trackName }] });
    const before = fakes.sfu.requests.length;
    expect((await pull("screen")).status).toBe(404);
    expect(fakes.sfu.requests.length).toBe(before);
    expect((await pull("cam")).status).toBe(200);
    // Pulled tracks are not announced as Bob's.
    expect(await noFrame(aliceSig, "tracks")).toBe(true);

    // Carol joins late: her socket opens with the call, then everything already published.
    await api(carol, "POST", `/v1/calls/${id}/join`);
    const carolSig = await signaling(carol, id);
    expect(await bobSig.next("participant_joined")).toMatchObject({ user_id: carol.user.id });
    expect((await carolSig.next()).type).toBe("call_state");
    expect(await carolSig.next()).toMatchObject({
      type: "tracks",
      user_id: alice.user.id,
      session_id: aliceSid,
      tracks: [{ track_name: "mic" }, { track_name: "cam" }],
    });

    // Closing the camera: the others hear which track went.
    await api(alice, "PUT", `/v1/calls/${id}/sfu/sessions/${aliceSid}/tracks/close`, { tracks: [{ mid: "1" }], force: false });
    const closed = { type: "tracks_closed", user_id: alice.user.id, session_id: aliceSid, track_names: ["cam"] };
    expect(await bobSig.next("tracks_closed")).toEqual(closed);
    expect(await carolSig.next("tracks_closed")).toEqual(closed);
    expect((await pull("cam")).status).toBe(404);

    // Leaving removes what is left, before participant_left.
    await api(alice, "POST", `/v1/calls/${id}/leave`);
    expect(await bobSig.next()).toEqual({ ...closed, track_names: ["mic"] });
    expect(await bobSig.next()).toEqual({ type: "participant_left", user_id: alice.user.id });
    const lateSig = await signaling(carol, id);
    expect(await lateSig.next("call_state")).toBeTruthy();
    expect(await noFrame(lateSig, "tracks")).toBe(true);
    for (const s of [bobSig, carolSig, lateSig]) s.close();
  });

  it("takes the kind from the track or the offer; a track whose kind cannot be told is not announced", async ({ expect }) => {
    const { alice, id, bobSig } = await groupCallWithSockets();
    const sid = String((await api(alice, "POST", `/v1/calls/${id}/sfu/sessions`, {})).body.sessionId);
    await api(alice, "POST", `/v1/calls/${id}/sfu/sessions/${sid}/tracks`, {
      sessionDescription: { type: "offer", sdp: "v=0\r\n" },
      tracks: [
        { location: "local", mid: "0", trackName: "said-audio", kind: "audio" },
        { location: "local", mid: "1", trackName: "unknown" },
      ],
    });
    expect(await bobSig.next("tracks")).toMatchObject({ tracks: [{ track_name: "said-audio", kind: "audio" }] });
  });
});

describe("mute state", () => {
  it("is told to the others and to a late joiner; a bad frame is an error and the socket stays open", async ({ expect }) => {
    const { alice, bob, carol, id, aliceSig, bobSig } = await groupCallWithSockets();
    bobSig.send({ type: "mute", audio_muted: true, video_muted: false });
    expect(await aliceSig.next("mute")).toEqual({ type: "mute", user_id: bob.user.id, audio_muted: true, video_muted: false });
    expect(await noFrame(bobSig, "mute")).toBe(true);

    for (const bad of [
      { type: "mute", audio_muted: "yes", video_muted: false },
      { type: "mute", audio_muted: true },
      { type: "mute", user_id: alice.user.id, audio_muted: true, video_muted: true },
    ]) {
      bobSig.send(bad);
      expect(await bobSig.next("error")).toMatchObject({ code: "VALIDATION_ERROR" });
    }
    // Nobody can set another's state: the frame carries no user id, the room stamps the sender's.
    expect(await noFrame(aliceSig, "mute")).toBe(true);

    await api(carol, "POST", `/v1/calls/${id}/join`);
    const carolSig = await signaling(carol, id);
    expect(await carolSig.next("mute")).toEqual({ type: "mute", user_id: bob.user.id, audio_muted: true, video_muted: false });
    bobSig.send({ type: "mute", audio_muted: false, video_muted: true });
    expect(await carolSig.next("mute")).toMatchObject({ user_id: bob.user.id, audio_muted: false, video_muted: true });
    expect(bobSig.closed).toBeNull();
    for (const s of [aliceSig, bobSig, carolSig]) s.close();
  });
});

describe("SFU routes and outsiders", () => {
  it("answers an outsider 404 on every SFU route before any configuration check; a participant then gets 503", async ({ expect }) => {
    const { alice, id } = await groupCallWithSockets();
    const stranger = await createUser();
    const requests = [
      { action: "new_session" as const, callId: id, body: {} },
      { action: "new_tracks" as const, callId: id, sessionId: "s1", body: { tracks: [{ location: "local" as const, trackName: "cam" }] } },
      { action: "renegotiate" as const, callId: id, sessionId: "s1", body: { sessionDescription: { type: "answer" as const, sdp: "v=0" } } },
      { action: "close_tracks" as const, callId: id, sessionId: "s1", body: { tracks: [{ mid: "0" }], force: true } },
    ];
    for (const deployment of [{ REALTIME_APP_ID: "" }, { REALTIME_APP_SECRET: "" }, { GROUP_CALL_PROVIDER: "realtimekit" }]) {
      const calls = new CallsService(createExecutionContext(), { ...env, ...deployment });
      for (const request of requests) {
        expect(await calls.sfu({ requestId: "t", userId: stranger.user.id }, request)).toMatchObject({ ok: false, error: { code: "NOT_FOUND" } });
        expect(await calls.sfu({ requestId: "t", userId: "no-such-user" }, { ...request, callId: "no-such-call" })).toMatchObject({
          ok: false,
          error: { code: "NOT_FOUND" },
        });
        expect(await calls.sfu({ requestId: "t", userId: alice.user.id }, request)).toMatchObject({ ok: false, error: { code: "SERVICE_UNAVAILABLE" } });
      }
    }
    // Through the gateway too, on the configured deployment.
    const paths = [
      ["POST", `/v1/calls/${id}/sfu/sessions`, {}],
      ["POST", `/v1/calls/${id}/sfu/sessions/s1/tracks`, { tracks: [{ location: "local", trackName: "cam" }] }],
      ["PUT", `/v1/calls/${id}/sfu/sessions/s1/renegotiate`, { sessionDescription: { type: "answer", sdp: "v=0" } }],
      ["PUT", `/v1/calls/${id}/sfu/sessions/s1/tracks/close`, { tracks: [{ mid: "0" }], force: true }],
    ] as const;
    for (const [method, path, body] of paths) expect((await api(stranger, method, path, body)).status).toBe(404);
  });
});

describe("members added during a call", () => {
  it("a group of two that gains a member during its call rings them, and they join it", async ({ expect }) => {
    const [alice, bob, dave] = await Promise.all([createUser(), createUser(), createUser()]);
    const created = await api(alice, "POST", "/v1/conversations", { type: "group", name: "pair", member_ids: [bob.user.id] });
    const conversationId = (created.body.conversation as { id: string }).id;
    const daves = await openStream(dave);
    const { id } = await initiate(alice, conversationId, { type: "video" });
    expect((await api(bob, "POST", `/v1/calls/${id}/join`)).status).toBe(200);
    const aliceSig = await signaling(alice, id);

    expect((await api(alice, "POST", `/v1/conversations/${conversationId}/members`, { user_ids: [dave.user.id] })).status).toBe(200);
    expect(await nextEvent(daves, "call")).toMatchObject({ event: "ringing", call: { id, conversation_id: conversationId } });
    const joined = await api(dave, "POST", `/v1/calls/${id}/join`);
    expect(joined.status).toBe(200);
    expect(await aliceSig.next("participant_joined")).toEqual({ type: "participant_joined", user_id: dave.user.id });
    // Three in the call now: one leaving does not end it for the others.
    expect((await api(bob, "POST", `/v1/calls/${id}/leave`)).body.call).toMatchObject({ status: "active" });
    // A stranger (never a member) still cannot.
    expect((await api(await createUser(), "POST", `/v1/calls/${id}/join`)).status).toBe(404);
    aliceSig.close();
    await daves.socket.end();
  });
});
