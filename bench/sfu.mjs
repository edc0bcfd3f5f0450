// bench:sfu — the local SFU's (scripts/sfu/) CPU per forwarded stream: N publishers (audio + video
// each, synthetic RTP from werift endpoints in this process) and M subscribers that pull every
// publisher's tracks, so N × M × 2 forwarded streams. The SFU runs in its own process; its CPU time
// (user + system, /proc/<pid>/stat) over a measured window is divided by streams and seconds.
//
//   node bench/sfu.mjs [--sizes=1x1,2x2,3x3,4x4,2x8] [--seconds=10] [--smoke]
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { MediaStreamTrack, RTCPeerConnection, RTCRtpCodecParameters, RtpHeader, RtpPacket, useNACK, usePLI, useSdesMid } from "werift";
import { startLocalSfu } from "../scripts/lib/local-sfu.mjs";
import { args, round, table, writeResults } from "./lib/stats.mjs";

const opts = args();
const SMOKE = opts.smoke === "true";
const SIZES = (opts.sizes ?? (SMOKE ? "1x1" : "1x1,2x2,3x3,4x4,2x8")).split(",").map((s) => s.split("x").map(Number));
const SECONDS = Number(opts.seconds ?? (SMOKE ? 1 : 10));
/** Per stream: opus-like audio (50 packets/s of 120 B) and a ~900 kbit/s video stream (100 packets/s of 1,100 B). */
const PROFILE = { audio: { pps: 50, bytes: 120 }, video: { pps: 100, bytes: 1100 } };
const TICK_MS = 20;
const IDLE_SECONDS = SMOKE ? 0.5 : 3;
const secret = randomBytes(12).toString("hex");
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** CPU seconds (user + system) the process `pid` used so far (Linux /proc; clock ticks of 1/100 s). */
function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function peer() {
  return new RTCPeerConnection({
    iceServers: [],
    iceAdditionalHostAddresses: ["127.0.0.1"],
    iceUseIpv6: false,
    bundlePolicy: "max-bundle",
    codecs: {
      audio: [new RTCRtpCodecParameters({ mimeType: "audio/opus", clockRate: 48_000, channels: 2 })],
      video: [new RTCRtpCodecParameters({ mimeType: "video/VP8", clockRate: 90_000, rtcpFeedback: [useNACK(), usePLI()] })],
    },
    headerExtensions: { audio: [useSdesMid()], video: [useSdesMid()] },
  });
}

async function call(sfu, method, path, body) {
  const res = await fetch(`${sfu.apiBase}/apps/${sfu.appId}${path}`, {
    method,
    headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
    body: JSON.stringify(body ?? {}),
  });
  const json = await res.json();
  if (!res.ok || json.errorCode) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

async function publisher(sfu, i) {
  const pc = peer();
  const { sessionId } = await call(sfu, "POST", "/sessions/new");
  const tracks = { audio: new MediaStreamTrack({ kind: "audio" }), video: new MediaStreamTrack({ kind: "video" }) };
  const ta = pc.addTransceiver(tracks.audio, { direction: "sendonly" });
  const tv = pc.addTransceiver(tracks.video, { direction: "sendonly" });
  await pc.setLocalDescription(await pc.createOffer());
  const answer = await call(sfu, "POST", `/sessions/${sessionId}/tracks/new`, {
    sessionDescription: pc.localDescription,
    tracks: [
      { location: "local", mid: ta.mid, trackName: `p${i}-audio` },
      { location: "local", mid: tv.mid, trackName: `p${i}-video` },
    ],
  });
  await pc.setRemoteDescription(answer.sessionDescription);
  return { pc, sessionId, tracks, i };
}

async function subscriber(sfu, publishers, received) {
  const pc = peer();
  pc.ontrack = ({ track }) => track.onReceiveRtp.subscribe(() => (received[track.kind] += 1));
  const { sessionId } = await call(sfu, "POST", "/sessions/new");
  const offer = await call(sfu, "POST", `/sessions/${sessionId}/tracks/new`, {
    tracks: publishers.flatMap((p) => ["audio", "video"].map((kind) => ({ location: "remote", sessionId: p.sessionId, trackName: `p${p.i}-${kind}` }))),
  });
  await pc.setRemoteDescription(offer.sessionDescription);
  await pc.setLocalDescription(await pc.createAnswer());
  await call(sfu, "PUT", `/sessions/${sessionId}/renegotiate`, { sessionDescription: pc.localDescription });
  return pc;
}

/** Every TICK_MS, each publisher writes its share of packets per kind (fractional rates carried over). */
function pump(publishers) {
  let seq = 0;
  const due = { audio: 0, video: 0 };
  const payload = { audio: Buffer.alloc(PROFILE.audio.bytes, 1), video: Buffer.alloc(PROFILE.video.bytes, 2) };
  const timer = setInterval(() => {
    for (const kind of ["audio", "video"]) {
      due[kind] += (PROFILE[kind].pps * TICK_MS) / 1000;
      while (due[kind] >= 1) {
        due[kind] -= 1;
        seq = (seq + 1) & 0xffff;
        for (const p of publishers)
          p.tracks[kind].writeRtp(new RtpPacket(new RtpHeader({ sequenceNumber: seq, timestamp: seq * 960, marker: true }), payload[kind]));
      }
    }
  }, TICK_MS);
  return () => clearInterval(timer);
}

async function runSize(n, m) {
  const sfu = await startLocalSfu({ appSecret: secret, onLog: () => undefined });
  // The SFU process alone, no sessions: what every figure below includes regardless of streams.
  await sleep(500);
  const [idleCpu0, idleT0] = [cpuSeconds(sfu.pid), performance.now()];
  await sleep(IDLE_SECONDS * 1000);
  const idleMsPerSecond = ((cpuSeconds(sfu.pid) - idleCpu0) * 1000) / ((performance.now() - idleT0) / 1000);
  const received = { audio: 0, video: 0 };
  const peers = [];
  try {
    const publishers = [];
    for (let i = 0; i < n; i++) publishers.push(await publisher(sfu, i));
    peers.push(...publishers.map((p) => p.pc));
    const stop = pump(publishers);
    for (let j = 0; j < m; j++) peers.push(await subscriber(sfu, publishers, received));
    // Warm up until every subscriber receives, then measure a steady window.
    const deadline = Date.now() + 30_000;
    while (received.video < m * n * 5 && Date.now() < deadline) await sleep(100);
    await sleep(1_000);
    const stats0 = await (await fetch(`${sfu.url}/stats`)).json();
    const [cpu0, t0, got0] = [cpuSeconds(sfu.pid), performance.now(), { ...received }];
    await sleep(SECONDS * 1000);
    const [cpu1, t1] = [cpuSeconds(sfu.pid), performance.now()];
    const stats1 = await (await fetch(`${sfu.url}/stats`)).json();
    stop();
    const seconds = (t1 - t0) / 1000;
    const streams = n * m * 2;
    const sum = (byKind) => byKind.audio + byKind.video;
    const forwarded = sum(stats1.packets_forwarded) - sum(stats0.packets_forwarded);
    // What the SFU received times its subscribers: the pump's timer runs late on a loaded machine, so nominal rates overstate it.
    const expected = (sum(stats1.packets_received) - sum(stats0.packets_received)) * m;
    const cpuMs = (cpu1 - cpu0) * 1000;
    return {
      publishers: n,
      subscribers: m,
      forwarded_streams: streams,
      seconds: round(seconds, 1),
      sfu_cpu_ms: round(cpuMs, 0),
      sfu_cpu_percent: round(cpuMs / 10 / seconds, 1),
      cpu_ms_per_stream_second: round(cpuMs / streams / seconds, 2),
      idle_cpu_ms_per_second: round(idleMsPerSecond, 1),
      marginal_cpu_ms_per_stream_second: round((cpuMs / seconds - idleMsPerSecond) / streams, 2),
      cpu_us_per_forwarded_packet: round((cpuMs * 1000) / Math.max(1, forwarded), 1),
      packets_forwarded_per_second: round(forwarded / seconds, 0),
      packets_received_per_second: round((sum(stats1.packets_received) - sum(stats0.packets_received)) / seconds, 0),
      forwarded_share_of_offered: round(forwarded / Math.max(1, expected), 3),
      packets_received_by_subscribers: received.audio + received.video - got0.audio - got0.video,
    };
  } finally {
    await Promise.all(peers.map((pc) => pc.close().catch(() => undefined)));
    sfu.stop();
  }
}

/** The CPU an extra forwarded packet costs: the slope between the runs with the fewest and the most forwarded packets. */
function slope(all) {
  const sorted = [...all].sort((a, b) => a.packets_forwarded_per_second - b.packets_forwarded_per_second);
  const [low, high] = [sorted[0], sorted[sorted.length - 1]];
  if (!low || !high || high.packets_forwarded_per_second === low.packets_forwarded_per_second) return "";
  const cpuMsPerSecond = (r) => r.sfu_cpu_ms / r.seconds;
  const us = ((cpuMsPerSecond(high) - cpuMsPerSecond(low)) * 1000) / (high.packets_forwarded_per_second - low.packets_forwarded_per_second);
  return `Slope from ${low.publishers} × ${low.subscribers} to ${high.publishers} × ${high.subscribers}: ${round(us, 1)} µs of SFU CPU per extra forwarded packet per second.`;
}

const rows = [];
for (const [n, m] of SIZES) {
  const row = await runSize(n, m);
  console.log(JSON.stringify(row));
  rows.push(row);
}
const markdown = [
  `## Local SFU: CPU per forwarded stream (${SECONDS} s windows; audio ${PROFILE.audio.pps} pps × ${PROFILE.audio.bytes} B, video ${PROFILE.video.pps} pps × ${PROFILE.video.bytes} B per stream)`,
  "",
  table(
    [
      "publishers × subscribers",
      "forwarded streams",
      "SFU CPU %",
      "CPU ms per stream-second",
      "idle SFU CPU ms/s",
      "above idle, ms per stream-second",
      "µs per forwarded packet",
      "packets in/s",
      "packets forwarded/s",
      "forwarded / (in × subscribers)",
    ],
    rows.map((r) => [
      `${r.publishers} × ${r.subscribers}`,
      r.forwarded_streams,
      r.sfu_cpu_percent,
      r.cpu_ms_per_stream_second,
      r.idle_cpu_ms_per_second,
      r.marginal_cpu_ms_per_stream_second,
      r.cpu_us_per_forwarded_packet,
      r.packets_received_per_second,
      r.packets_forwarded_per_second,
      r.forwarded_share_of_offered,
    ]),
  ),
  "",
  slope(rows),
].join("\n");
console.log(markdown);
if (!SMOKE) writeResults("sfu", { sizes: rows, profile: PROFILE, seconds: SECONDS }, markdown);
process.exit(0);
