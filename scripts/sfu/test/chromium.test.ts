/**
 * The local SFU with a real browser: two Chromium pages (fake camera and microphone) publish
 * through the SFU's Cloudflare-shaped API and pull each other's tracks; each page decodes the other's
 * video (framesDecoded rising) and receives its audio, over a candidate pair that ends at the SFU.
 * The pages hold the RTCPeerConnections; Node carries the SDP to the SFU, as our calls worker does.
 */
import { randomBytes } from "node:crypto";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalSfu, type LocalSfuProcess } from "../../lib/local-sfu.mjs";
import { sfuStatsSchema } from "../shapes";
import { SfuApi } from "./endpoint";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const FLAGS = [
  "--use-fake-device-for-media-stream",
  "--use-fake-ui-for-media-stream",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-features=WebRtcHideLocalIpsWithMdns",
];

let sfu: LocalSfuProcess;
let api: SfuApi;
let browser: Browser;
const secret = randomBytes(12).toString("hex");

beforeAll(async () => {
  sfu = await startLocalSfu({ appSecret: secret });
  api = SfuApi.direct(sfu.apiBase, sfu.appId, secret);
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
});
afterAll(async () => {
  await browser.close();
  sfu.stop();
});

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

async function publish(p: Participant, name: string): Promise<void> {
  const offer = await p.page.evaluate<{ sdp: string; tracks: { mid: string; kind: string }[] }>(`(async () => {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 320, height: 240 } });
    for (const track of stream.getTracks()) window.pc.addTransceiver(track, { direction: "sendonly" });
    await window.pc.setLocalDescription(await window.pc.createOffer());
    await window.gathered();
    return { sdp: window.pc.localDescription.sdp, tracks: window.pc.getTransceivers().map((t) => ({ mid: t.mid, kind: t.sender.track.kind })) };
  })()`);
  const res = await api.call("POST", `/sessions/${p.sessionId}/tracks/new`, {
    sessionDescription: { type: "offer", sdp: offer.sdp },
    tracks: offer.tracks.map((t) => ({ location: "local", mid: t.mid, trackName: `${name}-${t.kind}` })),
  });
  expect(res.status).toBe(200);
  noteCandidates(p, res.body.sessionDescription?.sdp);
  await p.page.evaluate(`window.pc.setRemoteDescription(${JSON.stringify(res.body.sessionDescription)})`);
}

async function pull(p: Participant, from: string, name: string): Promise<void> {
  const res = await api.call("POST", `/sessions/${p.sessionId}/tracks/new`, {
    tracks: ["audio", "video"].map((kind) => ({ location: "remote", sessionId: from, trackName: `${name}-${kind}` })),
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
}

interface Inbound {
  framesDecoded: number;
  audioPackets: number;
  pairRemote: string;
}

function inbound(page: Page): Promise<Inbound> {
  return page.evaluate<Inbound>(`(async () => {
    const stats = [...(await window.pc.getStats()).values()];
    const video = stats.find((s) => s.type === "inbound-rtp" && s.kind === "video");
    const audio = stats.find((s) => s.type === "inbound-rtp" && s.kind === "audio");
    const transport = stats.find((s) => s.type === "transport");
    const pair = stats.find((s) => s.id === transport?.selectedCandidatePairId);
    const remote = stats.find((s) => s.id === pair?.remoteCandidateId);
    return { framesDecoded: video?.framesDecoded ?? 0, audioPackets: audio?.packetsReceived ?? 0, pairRemote: remote ? remote.address + ":" + remote.port : "" };
  })()`);
}

async function decoding(page: Page): Promise<Inbound> {
  const deadline = Date.now() + 15_000;
  let first = await inbound(page);
  while (first.framesDecoded === 0 && Date.now() < deadline) {
    await page.waitForTimeout(250);
    first = await inbound(page);
  }
  await page.waitForTimeout(1_500);
  const second = await inbound(page);
  expect(second.framesDecoded, "frames decoded keep rising").toBeGreaterThan(first.framesDecoded);
  expect(second.audioPackets, "audio packets arrive").toBeGreaterThan(0);
  return second;
}

describe("the local SFU with Chromium", () => {
  it("two pages publish camera and microphone and each decodes the other's video through the SFU", async () => {
    const alice = await participant();
    const bob = await participant();
    await publish(alice, "alice");
    await publish(bob, "bob");
    await pull(bob, alice.sessionId, "alice");
    await pull(alice, bob.sessionId, "bob");
    const [a, b] = [await decoding(alice.page), await decoding(bob.page)];
    // Each page's selected candidate pair ends at one of the SFU's own candidates for its session, not at the other page.
    expect([...alice.sfuCandidates]).toContain(a.pairRemote);
    expect([...bob.sfuCandidates]).toContain(b.pairRemote);
    const stats = sfuStatsSchema.parse(await (await fetch(`${sfu.url}/stats`)).json());
    expect(stats).toMatchObject({ publishers: 2, published_tracks: { audio: 2, video: 2 }, forwarded_tracks: { audio: 2, video: 2 } });
  });
});
