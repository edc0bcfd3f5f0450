/**
 * The local SFU with a real browser: two Chromium pages (fake camera and microphone) publish
 * through the SFU's Cloudflare-shaped API and pull each other's tracks; each page decodes the other's
 * video (framesDecoded rising) and receives its audio, over a candidate pair that ends at the SFU.
 * The pages hold the RTCPeerConnections; Node carries the SDP to the SFU, as our calls worker does.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { launch } from "../../../browser/helpers";
import type { LocalSfuProcess } from "../../lib/local-sfu.mjs";
import type { SfuStats } from "../shapes";
import { startTestSfu, type SfuApi } from "./endpoint";

let sfu: LocalSfuProcess;
let api: SfuApi;
let browser: Browser;

beforeAll(async () => {
  browser = await launch(); // the browser suite's Chromium and flags (fake camera and microphone)
});
afterAll(() => browser.close());
// A fresh SFU per test, so its counters are this test's alone (a closed page's session lingers until its ICE times out).
beforeEach(async () => {
  ({ sfu, api, stats: sfuStats } = await startTestSfu());
});
afterEach(() => sfu.stop());

/** A page on a localhost origin (a secure context, so getUserMedia works) with one peer connection. */
interface Participant {
  page: Page;
  sessionId: string;
  /** address:port of every ICE candidate the SFU gave this session. */
  sfuCandidates: Set<string>;
}

function noteCandidates(p: Participant, sdp: string | undefined): void {
  for (const [, address, port] of (sdp ?? "").matchAll(/^a=candidate:\S+ \d+ \w+ \d+ (\S+) (\d+) typ/gm)) p.sfuCandidates.add(`${address}:${port}`);
}

async function participant(): Promise<Participant> {
  const context = await browser.newContext({ permissions: ["camera", "microphone"] });
  await context.route("http://localhost:9/**", (route) => route.fulfill({ contentType: "text/html", body: "<!doctype html><title>sfu</title>" }));
  const page = await context.newPage();
  await page.goto("http://localhost:9/");
  await page.evaluate(`(() => {
    window.pc = new RTCPeerConnection({ bundlePolicy: "max-bundle" });
    window.gathered = () => new Promise((resolve) => {
      if (window.pc.iceGatheringState === "complete") return resolve();
      window.pc.addEventListener("icegatheringstatechange", () => window.pc.iceGatheringState === "complete" && resolve());
    });
  })()`);
  const created = await api.call("POST", "/sessions/new", {});
  if (!created.body.sessionId) throw new Error(`sessions/new answered ${created.status}`);
  return { page, sessionId: created.body.sessionId, sfuCandidates: new Set() };
}

/** Publishes new camera (and microphone) tracks as `${name}-${kind}`; earlier transceivers stay as they are. */
async function publish(p: Participant, name: string, audio = true): Promise<void> {
  const offer = await p.page.evaluate<{ sdp: string; tracks: { mid: string; kind: string }[] }>(`(async () => {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: ${audio}, video: { width: 320, height: 240 } });
    const added = stream.getTracks().map((track) => window.pc.addTransceiver(track, { direction: "sendonly" }));
    await window.pc.setLocalDescription(await window.pc.createOffer());
    await window.gathered();
    return { sdp: window.pc.localDescription.sdp, tracks: added.map((t) => ({ mid: t.mid, kind: t.sender.track.kind })) };
  })()`);
  const res = await api.call("POST", `/sessions/${p.sessionId}/tracks/new`, {
    sessionDescription: { type: "offer", sdp: offer.sdp },
    tracks: offer.tracks.map((t) => ({ location: "local", mid: t.mid, trackName: `${name}-${t.kind}` })),
  });
  expect(res.status).toBe(200);
  noteCandidates(p, res.body.sessionDescription?.sdp);
  await p.page.evaluate(`window.pc.setRemoteDescription(${JSON.stringify(res.body.sessionDescription)})`);
}

/** Pulls `${name}-${kind}` of session `from`; returns the mids the SFU gave them here. */
async function pull(p: Participant, from: string, name: string, kinds = ["audio", "video"]): Promise<string[]> {
  const res = await api.call("POST", `/sessions/${p.sessionId}/tracks/new`, {
    tracks: kinds.map((kind) => ({ location: "remote", sessionId: from, trackName: `${name}-${kind}` })),
  });
  expect(res.body).toMatchObject({ requiresImmediateRenegotiation: true, sessionDescription: { type: "offer" } });
  noteCandidates(p, res.body.sessionDescription?.sdp);
  const answer = await p.page.evaluate<string>(`(async () => {
    await window.pc.setRemoteDescription(${JSON.stringify(res.body.sessionDescription)});
    await window.pc.setLocalDescription(await window.pc.createAnswer());
    await window.gathered();
    return window.pc.localDescription.sdp;
  })()`);
  const renegotiated = await api.call("PUT", `/sessions/${p.sessionId}/renegotiate`, { sessionDescription: { type: "answer", sdp: answer } });
  expect(renegotiated.status).toBe(200);
  return (res.body.tracks ?? []).map((t) => t.mid ?? "");
}

/** The page stops the transceivers at `mids` (their m-lines become rejected, port 0) and closes them with its offer, as Cloudflare's clients do. */
async function closeTracks(p: Participant, mids: string[]): Promise<void> {
  const offer = await p.page.evaluate<string>(`(async () => {
    for (const t of window.pc.getTransceivers()) if (${JSON.stringify(mids)}.includes(t.mid)) t.stop();
    await window.pc.setLocalDescription(await window.pc.createOffer());
    return window.pc.localDescription.sdp;
  })()`);
  const res = await api.call("PUT", `/sessions/${p.sessionId}/tracks/close`, {
    sessionDescription: { type: "offer", sdp: offer },
    tracks: mids.map((mid) => ({ mid })),
    force: false,
  });
  expect(res.body).toMatchObject({ requiresImmediateRenegotiation: false, sessionDescription: { type: "answer" }, tracks: mids.map((mid) => ({ mid })) });
  await p.page.evaluate(`window.pc.setRemoteDescription(${JSON.stringify(res.body.sessionDescription)})`);
}

/** framesDecoded of every inbound video stream, by the mid it arrives on. */
function framesByMid(page: Page): Promise<Record<string, number>> {
  return page.evaluate<Record<string, number>>(`(async () => {
    const stats = [...(await window.pc.getStats()).values()];
    return Object.fromEntries(stats.filter((s) => s.type === "inbound-rtp" && s.kind === "video").map((s) => [s.mid, s.framesDecoded ?? 0]));
  })()`);
}

/**
 * Every mid in `mids` decodes frames, and then more frames: a first sample once each has started
 * (up to 15 s), then a later one that must be higher for each (polled up to 20 s: on a loaded
 * machine the fake camera and the encoder both slow down, but a stream that froze never rises).
 */
async function decodes(page: Page, mids: string[]): Promise<void> {
  const started = (frames: Record<string, number>) => mids.every((mid) => (frames[mid] ?? 0) > 0);
  const first = await poll(page, started, 15_000);
  const later = await poll(page, (frames) => mids.every((mid) => (frames[mid] ?? 0) > (first[mid] ?? 0)), 20_000);
  const detail = mids.every((mid) => (later[mid] ?? 0) > (first[mid] ?? 0)) ? "" : await inboundDetail(page);
  for (const mid of mids) expect(later[mid] ?? 0, `frames decoded on mid ${mid} keep rising (${detail})`).toBeGreaterThan(first[mid] ?? 0);
}

/** The page's inbound video stats and the SFU's counters, for a failure message. */
async function inboundDetail(page: Page): Promise<string> {
  const inbound = await page.evaluate<string>(`(async () => JSON.stringify([...(await window.pc.getStats()).values()]
    .filter((s) => s.type === "inbound-rtp" && s.kind === "video")
    .map((s) => ({ mid: s.mid, packets: s.packetsReceived, frames: s.framesReceived, decoded: s.framesDecoded, keyFrames: s.keyFramesDecoded, pli: s.pliCount, nack: s.nackCount }))))()`);
  return `${inbound}; sfu ${JSON.stringify(await sfuStats())}`;
}

async function poll(page: Page, done: (frames: Record<string, number>) => boolean, timeoutMs: number): Promise<Record<string, number>> {
  const deadline = Date.now() + timeoutMs;
  let frames = await framesByMid(page);
  while (!done(frames) && Date.now() < deadline) {
    await page.waitForTimeout(500);
    frames = await framesByMid(page);
  }
  return frames;
}

/** The page's outbound video: PLIs its sender got and key frames its encoder made. */
function outboundVideo(page: Page): Promise<{ pliCount: number; keyFramesEncoded: number }> {
  return page.evaluate<{ pliCount: number; keyFramesEncoded: number }>(`(async () => {
    const out = [...(await window.pc.getStats()).values()].filter((s) => s.type === "outbound-rtp" && s.kind === "video");
    return { pliCount: out.reduce((n, s) => n + (s.pliCount ?? 0), 0), keyFramesEncoded: out.reduce((n, s) => n + (s.keyFramesEncoded ?? 0), 0) };
  })()`);
}

/** Key frames the page decoded on the inbound video at `mid`. */
function keyFramesDecoded(page: Page, mid: string): Promise<number> {
  return page.evaluate<number>(`(async () => {
    const s = [...(await window.pc.getStats()).values()].find((s) => s.type === "inbound-rtp" && s.kind === "video" && s.mid === ${JSON.stringify(mid)});
    return s?.keyFramesDecoded ?? 0;
  })()`);
}

let sfuStats: () => Promise<SfuStats>;

/** Whether address:port (or *:port, address withheld) is one of the SFU's candidates for this session. */
function sfuEnd(p: Participant, end: string): boolean {
  if (!end.startsWith("*:")) return p.sfuCandidates.has(end);
  return [...p.sfuCandidates].some((candidate) => candidate.endsWith(end.slice(1)));
}

/**
 * The audio packets the page received and the remote end of its selected candidate pair. When the
 * SFU's connectivity check reaches Chromium before its answer is applied, the pair's remote end is a
 * peer-reflexive candidate whose address Chromium withholds from stats: the port alone names it then.
 */
function transportOf(page: Page): Promise<{ audioPackets: number; pairRemote: string }> {
  return page.evaluate<{ audioPackets: number; pairRemote: string }>(`(async () => {
    const stats = [...(await window.pc.getStats()).values()];
    const audio = stats.filter((s) => s.type === "inbound-rtp" && s.kind === "audio").reduce((n, s) => n + (s.packetsReceived ?? 0), 0);
    const transport = stats.find((s) => s.type === "transport");
    const pair = stats.find((s) => s.id === transport?.selectedCandidatePairId);
    const remote = stats.find((s) => s.id === pair?.remoteCandidateId);
    return { audioPackets: audio, pairRemote: remote ? (remote.address || "*") + ":" + remote.port : "" };
  })()`);
}

describe("the local SFU with Chromium", () => {
  it("two pages publish camera and microphone and each decodes the other's video through the SFU", async () => {
    const alice = await participant();
    const bob = await participant();
    await publish(alice, "alice");
    await publish(bob, "bob");
    const bobPulls = await pull(bob, alice.sessionId, "alice");
    const alicePulls = await pull(alice, bob.sessionId, "bob");
    await decodes(bob.page, [bobPulls[1] ?? ""]);
    await decodes(alice.page, [alicePulls[1] ?? ""]);
    const [a, b] = [await transportOf(alice.page), await transportOf(bob.page)];
    expect(a.audioPackets, "alice hears bob").toBeGreaterThan(0);
    expect(b.audioPackets, "bob hears alice").toBeGreaterThan(0);
    // Each page's selected candidate pair ends at one of the SFU's own candidates for its session, not at the other page.
    expect(sfuEnd(alice, a.pairRemote), `alice's pair ends at ${a.pairRemote}`).toBe(true);
    expect(sfuEnd(bob, b.pairRemote), `bob's pair ends at ${b.pairRemote}`).toBe(true);
    expect(await sfuStats()).toMatchObject({ publishers: 2, published_tracks: { audio: 2, video: 2 }, forwarded_tracks: { audio: 2, video: 2 } });
    await Promise.all([alice.page.context().close(), bob.page.context().close()]);
  });

  it("three pages pull each other; a closed pull's m-line is recycled by the page's next publication and media keeps flowing", async () => {
    const [a, b, c] = [await participant(), await participant(), await participant()];
    await publish(a, "a");
    await publish(b, "b");
    await publish(c, "c");
    // Each page pulls the other two, one publisher at a time (a second pull renegotiates a session that already receives).
    const pulls = {
      ab: await pull(a, b.sessionId, "b"),
      ac: await pull(a, c.sessionId, "c"),
      ba: await pull(b, a.sessionId, "a"),
      bc: await pull(b, c.sessionId, "c"),
      ca: await pull(c, a.sessionId, "a"),
      cb: await pull(c, b.sessionId, "b"),
    };
    const videoMid = (mids: string[]) => mids[1] ?? "";
    await decodes(a.page, [videoMid(pulls.ab), videoMid(pulls.ac)]);
    await decodes(b.page, [videoMid(pulls.ba), videoMid(pulls.bc)]);
    await decodes(c.page, [videoMid(pulls.ca), videoMid(pulls.cb)]);
    expect(await sfuStats()).toMatchObject({ publishers: 3, forwarded_tracks: { audio: 6, video: 6 } });

    // a stops receiving c (rejected m-lines), then publishes a second camera: Chromium reuses a stopped m-line for it.
    await closeTracks(a, pulls.ac);
    expect(await sfuStats()).toMatchObject({ forwarded_tracks: { audio: 5, video: 5 } });
    await publish(a, "a2", false);
    const ba2 = await pull(b, a.sessionId, "a2", ["video"]);
    await decodes(b.page, [videoMid(pulls.ba), ba2[0] ?? "", videoMid(pulls.bc)]);
    await decodes(a.page, [videoMid(pulls.ab)]);
    expect(await sfuStats()).toMatchObject({ publishers: 3, published_tracks: { audio: 3, video: 4 }, forwarded_tracks: { audio: 5, video: 6 } });
  });
  it("pages that pull late decode at once: the SFU asks the publisher for a key frame (its sender counts the PLI, its encoder makes one)", async () => {
    const a = await participant();
    const b = await participant();
    await publish(a, "a");
    await publish(b, "b");
    const ba = await pull(b, a.sessionId, "a");
    await decodes(b.page, [ba[1] ?? ""]);
    // Two late subscribers, one after the other, each while a's video has long been running (mid-GOP).
    for (const name of ["c", "d"]) {
      const before = await outboundVideo(a.page);
      const late = await participant();
      await publish(late, name);
      const mids = await pull(late, a.sessionId, "a");
      const video = mids[1] ?? "";
      await decodes(late.page, [video]);
      expect(await keyFramesDecoded(late.page, video), `${name} decoded a key frame`).toBeGreaterThan(0);
      const after = await outboundVideo(a.page);
      expect(after.pliCount, `a's sender got a PLI for ${name}`).toBeGreaterThan(before.pliCount);
      expect(after.keyFramesEncoded, `a's encoder made a key frame for ${name}`).toBeGreaterThan(before.keyFramesEncoded);
    }
    const stats = await sfuStats();
    expect(stats.plis_sent).toBeGreaterThanOrEqual(3);
    // b, c and d each got a key frame they were waiting for.
    expect(stats.key_frames_delivered).toBeGreaterThanOrEqual(3);
  });
});
