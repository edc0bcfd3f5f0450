// bench:fanout — one conversation with N connected members: deliveries per second at saturation
// (burst) and send-to-receive latency at half of saturation (paced), for our ConversationRoom and,
// with the same client in the same run, a broadcast-only PartyServer room (its own wrangler dev,
// same wrangler/workerd build; the rooms are driven one at a time, never concurrently).
//
//   node bench/fanout.mjs [--sizes=10,100,1000] [--runs=3] [--paced-seconds=5] [--encrypted] [--smoke]
//   node bench/fanout.mjs --profile [--sizes=100]   CPU profile of the chat worker during our bursts
//                                                   (bench/out/fanout-<N>.cpuprofile); nothing is written to results
//
// --baseline=storing: the baseline room first inserts each frame into its SQLite (a row each) and
// then broadcasts it, so the output gate holds every delivery until the write is
// durable, as ours does: what that guarantee costs a room that does nothing else. Written to
// results/fanout-storing.{json,md} (the default run's files stay).
//
// --encrypted: a third room in the same run, ours with encryption "mls" (the same members), where
// every send is what the SDK sends for a 100-character text (encrypted-chat.ts): content_type
// mls/application, the base64url ciphertext and the epoch of one real MLS message made once at start
// with the SDK's adapter (bench/lib/mls-workload.ts). The same ciphertext goes out every time: the
// room never decrypts, so per-message encryption would only load the client. The three rooms are
// driven one at a time; written to results/fanout-encrypted.{json,md} (the default run's files stay).
import { readFileSync } from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { api, expectStatus, openChatSocket, openSocket, pool, registerUsers, throttled, wsUrl, createGroup } from "./lib/api.mjs";
import { writeChart } from "./lib/chart.mjs";
import { loadInNode } from "./lib/mls-bundle.mjs";
import { attachProfiler } from "./lib/profiler.mjs";
import { root, sourceDir, startBaseline, startStack } from "./lib/stack.mjs";
import { args, median, percentile, round, table, writeResults } from "./lib/stats.mjs";

const opts = args();
const SMOKE = opts.smoke === "true";
const SIZES = (opts.sizes ?? (SMOKE ? "3" : "10,100,1000")).split(",").map(Number);
const RUNS = Number(opts.runs ?? (SMOKE ? 1 : 3));
/** `--only=baseline` drives the baseline alone (to check the client itself). */
const ONLY_BASELINE = opts.only === "baseline";
const PROFILE = opts.profile === "true";
/** Our sockets ask for batched message frames (`batch=1`), as client/ does; --batch=0 measures one frame per message. */
const BATCH = opts.batch !== "0";
const PACED_SECONDS = Number(opts["paced-seconds"] ?? (SMOKE ? 1 : 5));
const BODY = "x".repeat(100);
/** A third room: ours with encryption "mls", MLS application frames (see the header). */
const ENCRYPTED = opts.encrypted === "true";
if (ENCRYPTED && ONLY_BASELINE) throw new Error("--encrypted needs our stack; --only=baseline has none");
/** The baseline stores each frame before broadcasting it (see the header). */
const STORING_BASELINE = opts.baseline === "storing";
if (STORING_BASELINE && ENCRYPTED) throw new Error("--baseline=storing and --encrypted are separate runs");
/** --batch=0 and --baseline=storing runs keep their own files; results/fanout.* hold the default (batched) run. */
const RESULTS_NAME = STORING_BASELINE ? "fanout-storing" : BATCH ? "fanout" : "fanout-batch0";
/** The rooms of one run, in the order of its first round. */
const KINDS = ENCRYPTED ? ["ours", "ours_mls", "baseline"] : ["ours", "baseline"];
/** Our room's per-socket frame bucket, read from the source we run (workers/chat/src/rooms/frame-rate.ts FRAME_RATE); a missing value is an error, not a default. */
const FRAME_RATE_SOURCE = readFileSync(path.join(sourceDir(), "workers/chat/src/rooms/frame-rate.ts"), "utf8");
const frameRateValue = (name) => {
  const value = new RegExp(`${name}:\\s*(\\d+)`).exec(FRAME_RATE_SOURCE)?.[1];
  if (value === undefined) throw new Error(`FRAME_RATE.${name} not found in workers/chat/src/rooms/frame-rate.ts`);
  return Number(value);
};
const SOCKET_BURST = frameRateValue("burst");
const SOCKET_RATE = frameRateValue("perSecond");
/** Messages in one burst per size: a window of a few seconds on this machine, within every socket's bucket. */
function burstPlan(n) {
  const messages = SMOKE ? n * 2 : n <= 10 ? n * Math.min(SOCKET_BURST, 150) : n <= 100 ? 600 : 100;
  const senders = Math.min(n, messages);
  return { senders, perSender: Math.ceil(messages / senders) };
}
const QUIET_MS = 800;
const STALL_MS = 15_000;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * A room under test: N open sockets and one frame callback. Frames are recognised by their prefix and
 * the client_id is read straight from the bytes, so the client spends the same little time per frame
 * for both rooms.
 */
class Room {
  /**
   * @param {"ours" | "ours_mls" | "baseline"} kind @param {WebSocket[]} sockets @param {string[]} deliveryPrefixes
   * @param {string} fields what every send frame carries after its client_id (a body, or an MLS message's fields)
   */
  constructor(kind, sockets, deliveryPrefixes, fields = `"body":"${BODY}"`) {
    this.kind = kind;
    this.sockets = sockets;
    this.deliveryPrefixes = deliveryPrefixes;
    this.fields = fields;
    this.reset(0);
    this.lastFrameAt = performance.now();
    sockets.forEach((ws) => ws.on("message", (data) => this.onFrame(data)));
  }

  reset(messages) {
    this.sentAt = new Float64Array(messages);
    this.latencies = [];
    this.delivered = 0;
    this.deliveryBytes = 0;
    this.errors = 0;
    this.acks = 0;
    this.lastDeliveryAt = 0;
    this.base = this.nextBase ?? 0;
    this.nextBase = this.base + messages;
    this.recordLatency = false;
  }

  onFrame(data) {
    const now = performance.now();
    this.lastFrameAt = now;
    const head = data.toString("latin1", 0, 19);
    if (this.deliveryPrefixes.some((p) => head.startsWith(p))) {
      this.deliveryBytes += data.length;
      // One delivery per client_id in the frame: one in a `message` frame, several in a `messages` frame.
      for (let at = data.indexOf('"client_id":"c'); at >= 0; at = data.indexOf('"client_id":"c', at + 14)) {
        let i = at + 14;
        let n = 0;
        for (let ch = data[i]; ch >= 48 && ch <= 57; ch = data[++i]) n = n * 10 + (ch - 48);
        const idx = n - this.base;
        if (idx < 0 || idx >= this.sentAt.length) continue; // a late frame from an earlier phase
        this.delivered++;
        this.lastDeliveryAt = now;
        if (this.recordLatency) this.latencies.push(now - this.sentAt[idx]);
      }
    } else if (head.startsWith('{"type":"ack"')) {
      this.acks++;
    } else if (head.startsWith('{"type":"error"')) {
      this.errors++;
      if (process.env.BENCH_DEBUG && this.errors <= 3) console.log(`[debug] ${this.kind} error frame: ${data.toString().slice(0, 200)}`);
    } else if (process.env.BENCH_DEBUG && this.recordLatency && !this.loggedOther) {
      this.loggedOther = true;
      console.log(`[debug] ${this.kind} other frame: ${data.toString().slice(0, 200)}`);
    }
  }

  send(socketIndex, idx) {
    this.sentAt[idx] = performance.now();
    this.sockets[socketIndex].send(`{"type":"send","client_id":"c${this.base + idx}",${this.fields}}`);
  }

  /** Resolves when every expected delivery arrived, or nothing arrived for STALL_MS. */
  async settle(expected) {
    for (;;) {
      if (this.delivered >= expected) return true;
      if (performance.now() - this.lastFrameAt > STALL_MS) return false;
      await sleep(5);
    }
  }

  /** Waits until the sockets are quiet (e.g. presence frames after many joins). */
  async quiet() {
    while (performance.now() - this.lastFrameAt < QUIET_MS) await sleep(50);
  }
}

/**
 * One message from socket 0, until every socket has it (retried): a room that has just woken from
 * hibernation or was never used answers this first, outside any measurement.
 */
async function prime(room) {
  const n = room.sockets.length;
  for (let attempt = 0; attempt < 6; attempt++) {
    room.reset(1);
    room.send(0, 0);
    const until = performance.now() + 5000;
    while (room.delivered < n && performance.now() < until) await sleep(10);
    if (room.delivered >= n) return;
  }
  throw new Error(`${room.kind} room does not deliver to all ${n} sockets`);
}

async function burst(room) {
  const n = room.sockets.length;
  await prime(room);
  const { senders, perSender } = burstPlan(n);
  const messages = senders * perSender;
  await room.quiet();
  await sleep(((SOCKET_BURST / SOCKET_RATE) * 1000) | 0); // every bucket full again
  room.reset(messages);
  const t0 = performance.now();
  let idx = 0;
  for (let k = 0; k < perSender; k++) for (let s = 0; s < senders; s++) room.send(s, idx++);
  const expected = messages * n;
  const complete = await room.settle(expected);
  if (!complete)
    console.log(
      `[fanout] ${room.kind} burst incomplete: ${room.delivered}/${expected} delivered, ${room.sockets.filter((ws) => ws.readyState === 1).length}/${n} sockets open, ${room.errors} error frames`,
    );
  const seconds = (room.lastDeliveryAt - t0) / 1000;
  return {
    messages,
    senders,
    expected,
    delivered: room.delivered,
    complete,
    errors: room.errors,
    acks: room.acks,
    seconds: round(seconds, 3),
    deliveries_per_s: round(room.delivered / seconds, 0),
    messages_per_s: round(room.delivered / n / seconds, 1),
    // Wire payload per delivered message: what every socket of the room receives for one message.
    frame_bytes_per_delivery: round(room.deliveryBytes / Math.max(1, room.delivered), 0),
  };
}

async function paced(room, messagesPerSecond) {
  const n = room.sockets.length;
  await prime(room);
  const messages = Math.max(20, Math.round(messagesPerSecond * PACED_SECONDS));
  await room.quiet();
  await sleep(((SOCKET_BURST / SOCKET_RATE) * 1000) | 0);
  room.reset(messages);
  room.recordLatency = true;
  const t0 = performance.now();
  let sent = 0;
  while (sent < messages) {
    const due = Math.min(messages, Math.floor(((performance.now() - t0) / 1000) * messagesPerSecond) + 1);
    while (sent < due) {
      room.send(sent % n, sent);
      sent++;
    }
    await sleep(1);
  }
  const complete = await room.settle(messages * n);
  const l = room.latencies;
  if (process.env.BENCH_DEBUG)
    console.log(
      `[debug] paced ${room.kind}: sent ${sent} delivered ${room.delivered}/${messages * n} samples ${l.length} base ${room.base} acks ${room.acks} errors ${room.errors} open ${room.sockets.filter((ws) => ws.readyState === 1).length}`,
    );
  return {
    messages,
    rate_msgs_per_s: round(messagesPerSecond, 1),
    deliveries_per_s: round(messagesPerSecond * n, 0),
    delivered: room.delivered,
    expected: messages * n,
    complete,
    errors: room.errors,
    p50_ms: round(percentile(l, 50), 2),
    p99_ms: round(percentile(l, 99), 2),
    max_ms: round(
      l.reduce((a, b) => (b > a ? b : a), 0),
      2,
    ),
  };
}

/** @param {{ ciphertext: string, epoch: number } | null} mls an `mls` conversation whose sends carry this application message, or a plaintext one */
async function openOurs(base, users, n, mls = null) {
  const owner = users[0];
  const members = users.slice(0, n);
  const conversationId = await createGroup(base, owner, members.slice(1), mls ? { encryption: "mls" } : {});
  const sockets = await pool(members, 16, (u) => openChatSocket(base, u, conversationId, { batch: BATCH }));
  const prefixes = ['{"type":"message"', '{"type":"messages"'];
  if (!mls) return new Room("ours", sockets, prefixes);
  return new Room("ours_mls", sockets, prefixes, `"content_type":"mls/application","ciphertext":"${mls.ciphertext}","epoch":${mls.epoch}`);
}

/** The baseline echoes our send frame itself, so its deliveries start with `{"type":"send"`. */
async function openBaseline(base, n, kind = "baseline") {
  const name = `bench-${kind}-${n}-${Date.now()}`;
  const url = wsUrl(base, `/parties/${STORING_BASELINE && kind === "baseline" ? "storing-baseline-room" : "baseline-room"}/${name}`);
  const sockets = await pool(Array.from({ length: n }), 16, () => openSocket(url));
  return new Room(kind, sockets, ['{"type":"send"']);
}

/** Where our room spends its CPU during bursts: self time by function in the chat worker's isolate. */
async function profileBursts(stack, ours, n, suffix = "") {
  const inspector = stack.workerdInspector();
  const profiler = await attachProfiler(inspector, "secureconnect-chat");
  await profiler.start();
  const bursts = [];
  for (let i = 0; i < 3; i++) bursts.push((await burst(ours)).deliveries_per_s);
  const summary = await profiler.stop(path.join(root, "bench", "out", `fanout-${n}${suffix}.cpuprofile`));
  profiler.close();
  console.log(`[fanout] profile ${ours.kind} N=${n}: bursts ${bursts.join(", ")} deliveries/s (under the profiler); chat isolate busy ${summary.busy_ms} ms`);
  console.log(
    table(
      ["self time", "ms", "%"],
      summary.functions.map((f) => [f.what, f.ms, f.share]),
    ),
  );
}

function closeRoom(room) {
  for (const ws of room.sockets) ws.terminate();
}

/** The real MLS application message every encrypted send carries (made once; see the header). */
async function sampleMls() {
  const { sampleApplicationMessage } = await loadInNode();
  const sample = await sampleApplicationMessage(BODY.length);
  console.log(
    `[fanout] encrypted room: a ${BODY.length}-character text is ${sample.plaintext_bytes} B of payload, ${sample.ciphertext_bytes} B of MLSMessage, ${sample.ciphertext.length} characters of base64url (epoch ${sample.epoch})`,
  );
  return sample;
}

/** The medians of one size: ours vs baseline as before; with --encrypted, the encrypted room against both. */
function medians(runs) {
  const med = (f) => median(runs.map(f));
  const m = {
    ours_deliveries_per_s: med((r) => r.burst.ours.deliveries_per_s),
    baseline_deliveries_per_s: med((r) => r.burst.baseline.deliveries_per_s),
    ratio_deliveries: med((r) => r.ratio_deliveries),
    ours_p50_ms: med((r) => r.paced.ours.p50_ms),
    ours_p99_ms: med((r) => r.paced.ours.p99_ms),
    ours_max_ms: med((r) => r.paced.ours.max_ms),
    baseline_p50_ms: med((r) => r.paced.baseline.p50_ms),
    baseline_p99_ms: med((r) => r.paced.baseline.p99_ms),
    baseline_max_ms: med((r) => r.paced.baseline.max_ms),
    ratio_p99: med((r) => r.ratio_p99),
    paced_rate_msgs_per_s: med((r) => r.paced.ours.rate_msgs_per_s),
    ours_frame_bytes_per_delivery: med((r) => r.burst.ours.frame_bytes_per_delivery),
    baseline_frame_bytes_per_delivery: med((r) => r.burst.baseline.frame_bytes_per_delivery),
  };
  if (!ENCRYPTED) return m;
  return {
    ...m,
    ours_mls_deliveries_per_s: med((r) => r.burst.ours_mls.deliveries_per_s),
    ours_mls_p50_ms: med((r) => r.paced.ours_mls.p50_ms),
    ours_mls_p99_ms: med((r) => r.paced.ours_mls.p99_ms),
    ours_mls_max_ms: med((r) => r.paced.ours_mls.max_ms),
    ours_mls_frame_bytes_per_delivery: med((r) => r.burst.ours_mls.frame_bytes_per_delivery),
    ratio_mls_deliveries: med((r) => r.ratio_mls_deliveries),
    ratio_mls_p99: med((r) => r.ratio_mls_p99),
    ratio_mls_to_plain_deliveries: med((r) => r.ratio_mls_to_plain_deliveries),
    ratio_mls_to_plain_p99: med((r) => r.ratio_mls_to_plain_p99),
  };
}

async function main() {
  const mls = ENCRYPTED ? await sampleMls() : null;
  const stack = ONLY_BASELINE ? { url: "", startupMs: 0, stop: async () => {} } : await startStack();
  const baselineStack = await startBaseline();
  console.log(`[fanout] stack up at ${stack.url} (${stack.startupMs} ms), baseline at ${baselineStack.url} (${baselineStack.startupMs} ms)`);
  const results = [];
  try {
    const maxN = Math.max(...SIZES);
    const t = performance.now();
    const users = ONLY_BASELINE ? [] : await registerUsers(stack.url, maxN, { concurrency: 8, label: "f" });
    console.log(`[fanout] registered ${users.length} users in ${round((performance.now() - t) / 1000, 1)} s (429s retried: ${throttled.count})`);
    for (const n of SIZES) {
      const baseline = await openBaseline(baselineStack.url, n);
      // Without our stack, a second baseline room stands in (same code path for the client).
      const ours = ONLY_BASELINE ? await openBaseline(baselineStack.url, n, "ours") : await openOurs(stack.url, users, n);
      // The same members in an `mls` conversation of their own (each member then has two sockets open).
      const oursMls = mls ? await openOurs(stack.url, users, n, mls) : null;
      const byKind = { ours, baseline, ...(oursMls ? { ours_mls: oursMls } : {}) };
      const rooms = KINDS.map((kind) => byKind[kind]);
      console.log(`[fanout] N=${n}: ${rooms.map((room) => `${room.sockets.length} ${room.kind}`).join(" + ")} sockets open`);
      // Warm-up: JIT, DO instances, SQLite pages; not measured.
      const warm = [];
      for (const room of rooms) warm.push(await burst(room));
      if (process.env.BENCH_DEBUG) console.log(`[debug] warm-up: ${JSON.stringify(warm)}`);
      if (PROFILE) {
        await profileBursts(stack, ours, n);
        if (oursMls) await profileBursts(stack, oursMls, n, "-mls");
        rooms.forEach(closeRoom);
        continue;
      }
      const runs = [];
      for (let r = 0; r < RUNS; r++) {
        // Who goes first rotates from run to run (with two rooms: they alternate).
        const order = rooms.map((_, i) => rooms[(i + r) % rooms.length]);
        const b = {};
        for (const room of order) b[room.kind] = await burst(room);
        // Paced at half of saturation; the same offered rate for every room (half of the lowest
        // saturation), and never above our per-socket frame limit.
        const sat = Math.min(...rooms.map((room) => b[room.kind].messages_per_s));
        const rate = Math.min(sat / 2, n * SOCKET_RATE * 0.8);
        const p = {};
        for (const room of order) p[room.kind] = await paced(room, rate);
        const run = {
          run: r + 1,
          burst: b,
          paced: p,
          ratio_deliveries: round(b.ours.deliveries_per_s / b.baseline.deliveries_per_s, 3),
          ratio_p99: round(p.ours.p99_ms / p.baseline.p99_ms, 3),
          ...(oursMls
            ? {
                ratio_mls_deliveries: round(b.ours_mls.deliveries_per_s / b.baseline.deliveries_per_s, 3),
                ratio_mls_p99: round(p.ours_mls.p99_ms / p.baseline.p99_ms, 3),
                ratio_mls_to_plain_deliveries: round(b.ours_mls.deliveries_per_s / b.ours.deliveries_per_s, 3),
                ratio_mls_to_plain_p99: round(p.ours_mls.p99_ms / p.ours.p99_ms, 3),
              }
            : {}),
        };
        runs.push(run);
        console.log(
          `[fanout] N=${n} run ${r + 1}: burst ours ${b.ours.deliveries_per_s}/s (${b.ours.complete ? "all" : "INCOMPLETE"}, errors ${b.ours.errors}) ` +
            `baseline ${b.baseline.deliveries_per_s}/s → ${run.ratio_deliveries}x; paced @${round(rate, 1)} msg/s p99 ours ${p.ours.p99_ms} ms ` +
            `baseline ${p.baseline.p99_ms} ms → ${run.ratio_p99}x`,
        );
        if (oursMls)
          console.log(
            `[fanout] N=${n} run ${r + 1}: encrypted burst ${b.ours_mls.deliveries_per_s}/s (${b.ours_mls.complete ? "all" : "INCOMPLETE"}, errors ${b.ours_mls.errors}) ` +
              `→ ${run.ratio_mls_deliveries}x baseline, ${run.ratio_mls_to_plain_deliveries}x plaintext; paced p99 ${p.ours_mls.p99_ms} ms ` +
              `→ ${run.ratio_mls_p99}x baseline, ${run.ratio_mls_to_plain_p99}x plaintext`,
          );
      }
      rooms.forEach(closeRoom);
      results.push({ members: n, runs, median: medians(runs) });
      await sleep(1000);
    }
  } finally {
    await stack.stop();
    await baselineStack.stop();
  }
  if (!PROFILE) (ENCRYPTED ? reportEncrypted : report)(results);
}

function report(results) {
  const rows = results.map((r) => {
    const m = r.median;
    return [
      r.members,
      m.ours_deliveries_per_s,
      m.baseline_deliveries_per_s,
      `${m.ratio_deliveries}x`,
      m.paced_rate_msgs_per_s,
      `${m.ours_p50_ms} / ${m.ours_p99_ms} / ${m.ours_max_ms}`,
      `${m.baseline_p50_ms} / ${m.baseline_p99_ms} / ${m.baseline_max_ms}`,
      `${m.ratio_p99}x`,
      `${m.ours_frame_bytes_per_delivery} / ${m.baseline_frame_bytes_per_delivery}`,
      m.ratio_deliveries >= 1 && m.ratio_p99 <= 1 ? "met" : "missed",
    ];
  });
  const perRun = results.flatMap((r) =>
    r.runs.map((x) => [
      r.members,
      x.run,
      x.burst.ours.deliveries_per_s,
      x.burst.baseline.deliveries_per_s,
      `${x.ratio_deliveries}x`,
      x.paced.ours.p99_ms,
      x.paced.baseline.p99_ms,
      `${x.ratio_p99}x`,
      x.burst.ours.errors,
    ]),
  );
  const md = [
    `Median of ${RUNS} run(s); ratio = ours / baseline within the same run (median of the per-run ratios).${STORING_BASELINE ? " Baseline: the storing PartyServer room (a SQLite insert per frame before its broadcast)." : ""} Our sockets: ${BATCH ? "batch=1 (a turn's messages in one frame)" : "batch=0 (one frame per message)"}. ` +
      `Offered rates stay within our per-socket frame limit (${SOCKET_RATE} frames/s, burst ${SOCKET_BURST}); error frames are counted per run, never as deliveries.`,
    "",
    table(
      [
        "members",
        "ours deliveries/s",
        "baseline deliveries/s",
        "ratio",
        "paced msg/s",
        "ours p50/p99/max ms",
        "baseline p50/p99/max ms",
        "p99 ratio",
        "frame bytes per delivery ours / baseline",
        "goal",
      ],
      rows,
    ),
    "",
    "Per run:",
    "",
    table(["members", "run", "ours del/s", "baseline del/s", "ratio", "ours p99 ms", "baseline p99 ms", "p99 ratio", "ours error frames"], perRun),
  ].join("\n");
  console.log(md);
  if (SMOKE) return;
  writeResults(RESULTS_NAME, { sizes: SIZES, runs: RUNS, paced_seconds: PACED_SECONDS, batch: BATCH, storing_baseline: STORING_BASELINE, results }, md);
  writeChart(RESULTS_NAME, {
    title: "Fan-out: deliveries per second at saturation (median)",
    yLabel: "deliveries / s",
    categories: results.map((r) => `${r.members} members`),
    series: [
      { name: "ConversationRoom (ours)", values: results.map((r) => r.median.ours_deliveries_per_s) },
      { name: "PartyServer baseline", values: results.map((r) => r.median.baseline_deliveries_per_s) },
    ],
  });
}

/** --encrypted: the three rooms side by side; the encrypted room's ratios against the baseline and against our plaintext room. */
function reportEncrypted(results) {
  const trio = (m, key) => `${m[`ours_${key}`]} / ${m[`ours_mls_${key}`]} / ${m[`baseline_${key}`]}`;
  const rows = results.map((r) => {
    const m = r.median;
    return [
      r.members,
      m.ours_deliveries_per_s,
      m.ours_mls_deliveries_per_s,
      m.baseline_deliveries_per_s,
      `${m.ratio_mls_to_plain_deliveries}x`,
      `${m.ratio_mls_deliveries}x`,
      m.paced_rate_msgs_per_s,
      trio(m, "p50_ms"),
      trio(m, "p99_ms"),
      `${m.ratio_mls_to_plain_p99}x`,
      `${m.ratio_mls_p99}x`,
      trio(m, "frame_bytes_per_delivery"),
    ];
  });
  const perRun = results.flatMap((r) =>
    r.runs.map((x) => [
      r.members,
      x.run,
      x.burst.ours.deliveries_per_s,
      x.burst.ours_mls.deliveries_per_s,
      x.burst.baseline.deliveries_per_s,
      `${x.ratio_mls_to_plain_deliveries}x`,
      x.paced.ours.p99_ms,
      x.paced.ours_mls.p99_ms,
      x.paced.baseline.p99_ms,
      `${x.ratio_mls_to_plain_p99}x`,
      `${x.burst.ours.errors} / ${x.burst.ours_mls.errors}`,
    ]),
  );
  const md = [
    `Median of ${RUNS} run(s), three rooms driven one at a time by the same client: ours plaintext (a ${BODY.length}-character body), ours encrypted ` +
      `(\`mls\` conversation, the SDK's mls/application frame for the same text: one real MLS message, its ciphertext sent every time), and the baseline ` +
      `(plaintext). "mls ÷ plain" and "mls ÷ baseline" are medians of the per-run ratios. Our sockets: ${BATCH ? "batch=1" : "batch=0 (one frame per message)"}; ` +
      `offered rates stay within our per-socket frame limit (${SOCKET_RATE} frames/s, burst ${SOCKET_BURST}).`,
    "",
    table(
      [
        "members",
        "ours plain del/s",
        "ours mls del/s",
        "baseline del/s",
        "mls ÷ plain",
        "mls ÷ baseline",
        "paced msg/s",
        "p50 ms plain / mls / baseline",
        "p99 ms plain / mls / baseline",
        "p99 mls ÷ plain",
        "p99 mls ÷ baseline",
        "frame bytes per delivery plain / mls / baseline",
      ],
      rows,
    ),
    "",
    "Per run:",
    "",
    table(
      [
        "members",
        "run",
        "plain del/s",
        "mls del/s",
        "baseline del/s",
        "mls ÷ plain",
        "plain p99 ms",
        "mls p99 ms",
        "baseline p99 ms",
        "p99 mls ÷ plain",
        "error frames plain / mls",
      ],
      perRun,
    ),
  ].join("\n");
  console.log(md);
  if (SMOKE) return;
  writeResults("fanout-encrypted", { sizes: SIZES, runs: RUNS, paced_seconds: PACED_SECONDS, batch: BATCH, body_chars: BODY.length, results }, md);
  writeChart("fanout-encrypted", {
    title: "Fan-out: encrypted room vs plaintext room vs baseline, deliveries per second at saturation (median)",
    yLabel: "deliveries / s",
    categories: results.map((r) => `${r.members} members`),
    series: [
      { name: "ConversationRoom, plaintext", values: results.map((r) => r.median.ours_deliveries_per_s) },
      { name: "ConversationRoom, mls", values: results.map((r) => r.median.ours_mls_deliveries_per_s) },
      { name: "PartyServer baseline", values: results.map((r) => r.median.baseline_deliveries_per_s) },
    ],
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
