import { describe, it } from "vitest";
import { GroupCall, type CallJoinResponse } from "../src/index";
import type { GroupCallOptions } from "../src/group-call";
import type { KitClient, KitParticipant } from "../src/realtimekit-media";
import { FakeSocket } from "./helpers/fake-socket";

/*
 * GroupCall's logic with fakes at its edges: the signaling socket (FakeSocket plays the room), the
 * REST routes it calls (recorded), RTCPeerConnection / MediaStream, and RealtimeKit's client. The
 * real media path (proxy → local SFU → Chromium) is browser/group-call.browser.test.ts.
 */

const call = (participants: string[]): CallJoinResponse["call"] => ({
  id: "call-1",
  conversation_id: "c-1",
  type: "video",
  status: "active",
  initiator_id: "alice",
  participants: participants.map((user_id) => ({ user_id, joined_at: "2026-01-01T00:00:00.000Z", left_at: null, outcome: "joined" })),
  created_at: "2026-01-01T00:00:00.000Z",
  started_at: "2026-01-01T00:00:00.000Z",
  ended_at: null,
  duration_seconds: null,
  end_reason: null,
});

interface FakeTrack {
  kind: string;
  enabled: boolean;
}
const track = (kind: string): FakeTrack => ({ kind, enabled: true });
function stream(tracks: FakeTrack[] = []) {
  const list = [...tracks];
  return {
    getTracks: () => list,
    getAudioTracks: () => list.filter((t) => t.kind === "audio"),
    getVideoTracks: () => list.filter((t) => t.kind === "video"),
    addTrack: (t: FakeTrack) => list.push(t),
    removeTrack: (t: FakeTrack) => list.splice(list.indexOf(t), 1),
  };
}

/** The SFU's offer for pulled tracks: one m-section per mid. */
const sfuOffer = (mids: string[]) => `v=0\r\n${mids.map((mid) => `m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:${mid}\r\n`).join("")}`;

/** An RTCPeerConnection that negotiates on paper: transceivers get mids, a remote offer's new mids fire ontrack. */
class FakePc {
  static all: FakePc[] = [];
  transceivers: { mid: string | null; direction: string }[] = [];
  connectionState = "new";
  ontrack: ((e: { transceiver: { mid: string }; track: FakeTrack }) => void) | null = null;
  onconnectionstatechange: (() => void) | null = null;
  closed = false;
  constructor() {
    FakePc.all.push(this);
  }
  addTransceiver() {
    const t = { mid: String(this.transceivers.length), direction: "sendonly" };
    this.transceivers.push(t);
    return t;
  }
  getTransceivers() {
    return this.transceivers;
  }
  createOffer = () => Promise.resolve({ type: "offer", sdp: "v=0 local offer" });
  createAnswer = () => Promise.resolve({ type: "answer", sdp: "v=0 local answer" });
  setLocalDescription = () => Promise.resolve();
  setRemoteDescription(d: { type: string; sdp: string }) {
    for (const [, mid] of d.sdp.matchAll(/a=mid:(\S+)/g)) {
      if (!mid || this.transceivers.some((t) => t.mid === mid)) continue;
      this.transceivers.push({ mid, direction: "recvonly" });
      this.ontrack?.({ transceiver: { mid }, track: track("video") });
    }
    return Promise.resolve();
  }
  getStats = () => Promise.resolve(new Map());
  close() {
    this.closed = true;
  }
  fail() {
    this.connectionState = "failed";
    this.onconnectionstatechange?.();
  }
}

/** Our SFU proxy routes as the SDK calls them, recorded; sessions s1, s2, …; pulled mids from 10 up. */
function fakeApi(joined: CallJoinResponse) {
  const calls: { op: string; sessionId?: string; body?: unknown }[] = [];
  let sessions = 0;
  let mid = 10;
  const api = {
    calls: {
      join: () => Promise.resolve(joined),
      leave: () => {
        calls.push({ op: "leave" });
        return Promise.resolve({ call: { ...joined.call, status: "active" } });
      },
      sfu: {
        newSession: () => {
          calls.push({ op: "newSession" });
          return Promise.resolve({ sessionId: `s${++sessions}` });
        },
        newTracks: (_callId: string, sessionId: string, body: { tracks: { location: string; trackName: string; sessionId?: string }[] }) => {
          calls.push({ op: "newTracks", sessionId, body });
          if (body.tracks[0]?.location === "local")
            return Promise.resolve({ sessionDescription: { type: "answer", sdp: "v=0 sfu answer" }, tracks: body.tracks });
          const tracks = body.tracks.map((t) => ({ trackName: t.trackName, sessionId: t.sessionId, mid: String(mid++) }));
          return Promise.resolve({
            requiresImmediateRenegotiation: true,
            sessionDescription: { type: "offer", sdp: sfuOffer(tracks.map((t) => t.mid)) },
            tracks,
          });
        },
        renegotiate: (_callId: string, sessionId: string) => {
          calls.push({ op: "renegotiate", sessionId });
          return Promise.resolve({});
        },
        closeTracks: (_callId: string, sessionId: string, body: unknown) => {
          calls.push({ op: "closeTracks", sessionId, body });
          return Promise.resolve({});
        },
      },
    },
  };
  return { api, calls };
}

function options(api: unknown, extra: Partial<GroupCallOptions> = {}): GroupCallOptions {
  return {
    api,
    selfId: "alice",
    createPeerConnection: () => new FakePc(),
    localStream: stream([track("audio"), track("video")]),
    socketUrl: () => Promise.resolve("ws://fake/signaling"),
    WebSocket: FakeSocket,
    isFatal: () => false,
    createMediaStream: () => stream(),
    ...extra,
  } as unknown as GroupCallOptions;
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

describe("GroupCall through the SFU proxy", () => {
  it("publishes, pulls what others publish, drops what they close, says mute, recovers with a new session, leaves", async ({ expect }) => {
    FakeSocket.opened.length = 0;
    FakePc.all = [];
    const joined: CallJoinResponse = { call: call(["alice", "bob"]), ice_servers: [] };
    const { api, calls } = fakeApi(joined);
    const group = await GroupCall.join(options(api), "call-1");
    const socket = await FakeSocket.next(1);
    // Published: our two tracks on our session, with their kinds.
    expect(calls.slice(0, 2)).toEqual([
      { op: "newSession" },
      expect.objectContaining({
        op: "newTracks",
        sessionId: "s1",
        body: expect.objectContaining({
          tracks: [
            expect.objectContaining({ location: "local", mid: "0", kind: "audio" }),
            expect.objectContaining({ location: "local", mid: "1", kind: "video" }),
          ],
        }),
      }),
    ]);
    expect(group.participants().map((p) => p.userId)).toEqual(["bob"]);

    // Bob publishes: we pull both, answer the SFU's offer, his tile gets the tracks.
    socket.deliverAny({
      type: "tracks",
      user_id: "bob",
      session_id: "b1",
      tracks: [
        { track_name: "audio-0", kind: "audio" },
        { track_name: "video-1", kind: "video" },
      ],
    });
    await settle();
    expect(calls.filter((c) => c.op === "newTracks" && c.sessionId === "s1").at(-1)?.body).toEqual({
      tracks: [
        { location: "remote", sessionId: "b1", trackName: "audio-0" },
        { location: "remote", sessionId: "b1", trackName: "video-1" },
      ],
    });
    expect(calls.some((c) => c.op === "renegotiate")).toBe(true);
    expect(group.participants()[0]?.stream.getTracks()).toHaveLength(2);

    // Carol joins late and publishes; Bob mutes; Bob closes his camera.
    socket.deliverAny({ type: "participant_joined", user_id: "carol" });
    socket.deliverAny({ type: "tracks", user_id: "carol", session_id: "c1", tracks: [{ track_name: "video-1", kind: "video" }] });
    socket.deliverAny({ type: "mute", user_id: "bob", audio_muted: true, video_muted: false });
    await settle();
    expect(group.participants().find((p) => p.userId === "bob")).toMatchObject({ audioMuted: true, videoMuted: false });
    socket.deliverAny({ type: "tracks_closed", user_id: "bob", session_id: "b1", track_names: ["video-1"] });
    await settle();
    expect(calls.at(-1)).toEqual({ op: "closeTracks", sessionId: "s1", body: { tracks: [{ mid: "11" }], force: true } });
    expect(
      group
        .participants()
        .find((p) => p.userId === "bob")
        ?.stream.getTracks(),
    ).toHaveLength(1);

    // We mute: the track pauses and the room hears it; unmuting is said too.
    await group.setMuted("audio", true);
    await group.setMuted("audio", false);
    expect(socket.frames().filter((f) => (f as { type: string }).type === "mute")).toEqual([
      { type: "mute", audio_muted: true, video_muted: false },
      { type: "mute", audio_muted: false, video_muted: false },
    ]);

    // The media connection fails: a new session, publish again, close the old one's tracks, pull all again.
    const before = calls.length;
    FakePc.all[0]?.fail();
    await settle();
    const after = calls.slice(before).map((c) => `${c.op}:${c.sessionId ?? ""}`);
    expect(after).toEqual(["newSession:", "newTracks:s2", "closeTracks:s1", "newTracks:s2", "renegotiate:s2", "newTracks:s2", "renegotiate:s2"]);
    expect(FakePc.all[0]?.closed).toBe(true);

    // Carol's connection failed and she published again on a new session: her old pull closes at the SFU, the new one is pulled.
    const carolBefore = calls.length;
    socket.deliverAny({ type: "tracks", user_id: "carol", session_id: "c2", tracks: [{ track_name: "video-1", kind: "video" }] });
    await settle();
    expect(calls.slice(carolBefore)).toEqual([
      { op: "closeTracks", sessionId: "s2", body: { tracks: [{ mid: "14" }], force: true } },
      { op: "newTracks", sessionId: "s2", body: { tracks: [{ location: "remote", sessionId: "c2", trackName: "video-1" }] } },
      { op: "renegotiate", sessionId: "s2" },
    ]);
    expect(
      group
        .participants()
        .find((p) => p.userId === "carol")
        ?.stream.getTracks(),
    ).toHaveLength(1);

    // Bob leaves: his tile goes.
    socket.deliverAny({ type: "participant_left", user_id: "bob" });
    await settle();
    expect(group.participants().map((p) => p.userId)).toEqual(["carol"]);

    const ended = group.once("ended");
    await group.leave();
    await ended;
    expect(calls.slice(-2)).toEqual([{ op: "closeTracks", sessionId: "s2", body: { tracks: [{ mid: "0" }, { mid: "1" }], force: true } }, { op: "leave" }]);
    expect(FakePc.all[1]?.closed).toBe(true);
  });
});

describe("GroupCall on RealtimeKit", () => {
  it("joins with the participant token, shares our tracks, maps the kit's participants to our users, mutes through the kit", async ({ expect }) => {
    FakeSocket.opened.length = 0;
    const joined: CallJoinResponse = { call: call(["alice", "bob"]), ice_servers: [], realtimekit: { meeting_id: "m-1", auth_token: "token-alice" } };
    const { api, calls } = fakeApi(joined);
    const said: string[] = [];
    const handlers = new Map<string, ((p: KitParticipant) => void)[]>();
    const kit: KitClient = {
      join: () => Promise.resolve(void said.push("join")),
      leave: () => Promise.resolve(void said.push("leave")),
      self: {
        enableAudio: (t) => Promise.resolve(void said.push(`enableAudio:${t?.kind ?? "none"}`)),
        disableAudio: () => void said.push("disableAudio"),
        enableVideo: (t) => Promise.resolve(void said.push(`enableVideo:${t?.kind ?? "none"}`)),
        disableVideo: () => void said.push("disableVideo"),
      },
      participants: { joined: { on: (event: string, handler: (p: KitParticipant) => void) => handlers.set(event, [...(handlers.get(event) ?? []), handler]) } },
    };
    let initWith: unknown = null;
    const group = await GroupCall.join(
      options(api, {
        realtimeKit: () =>
          Promise.resolve((o) => {
            initWith = o;
            return Promise.resolve(kit);
          }),
      }),
      "call-1",
    );
    expect(initWith).toEqual({ authToken: "token-alice", defaults: { audio: false, video: false } });
    expect(said).toEqual(["join", "enableAudio:audio", "enableVideo:video"]);
    // No SFU proxy traffic on this provider.
    expect(calls.filter((c) => c.op !== "leave")).toEqual([]);

    const bobVideo = track("video") as unknown as MediaStreamTrack;
    for (const h of handlers.get("participantJoined") ?? []) h({ id: "kit-bob", customParticipantId: "bob", videoTrack: bobVideo, audioTrack: null });
    expect(
      group
        .participants()
        .find((p) => p.userId === "bob")
        ?.stream.getTracks(),
    ).toEqual([bobVideo]);
    for (const h of handlers.get("participantLeft") ?? []) h({ id: "kit-bob", customParticipantId: "bob" });
    expect(
      group
        .participants()
        .find((p) => p.userId === "bob")
        ?.stream.getTracks(),
    ).toEqual([]);

    await group.setMuted("video", true);
    expect(said.at(-1)).toBe("disableVideo");
    const socket = await FakeSocket.next(1);
    expect(socket.frames()).toContainEqual({ type: "mute", audio_muted: false, video_muted: true });
    await group.leave();
    expect(said.at(-1)).toBe("leave");
    expect(calls.at(-1)).toEqual({ op: "leave" });
  });
});
