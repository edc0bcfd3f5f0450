// Pipes per delivered frame (issue 23): how many in-process WebSocket pipes one fan-out frame crosses
// in our stack and in the PartyServer baseline. Each worker boundary that hands back a WebSocket adds a
// pipe that copies every frame, and each copy is CPU the room's fan-out queues behind. We sample each
// workerd with `perf record -g` while a room of MEMBERS sockets receives paced messages, and count, per
// sample, the `kj::(anonymous namespace)::WebSocketPipeImpl::send` frames chained on its stack: the mode
// of that count is the pipe depth. It counts stack frames, not time, so it holds on a loaded machine.
//   node bench/pipes.mjs [--members=20] [--seconds=6] [--rate=200] [--batch=0] [--top=0]
//   --top=N also prints each stack's N hottest leaf functions (self samples; JIT-compiled JS shows as "[unknown]")
//   and the share of samples under a few named parts of the work (INCLUSIVE below)
//   BENCH_REF=<commit> node bench/pipes.mjs     the stack of another commit (a before/after pair)
// Needs `perf` (linux-perf) and permission to trace the workerd it starts (root, or perf_event_paranoid ≤ 1).
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createGroup, openChatSocket, openSocket, pool, registerUsers, wsUrl } from "./lib/api.mjs";
import { sourceCommit, startBaseline, startStack } from "./lib/stack.mjs";
import { args, table } from "./lib/stats.mjs";

const opts = args();
const MEMBERS = Number(opts.members ?? 20);
const SECONDS = Number(opts.seconds ?? 6);
const RATE = Number(opts.rate ?? 200);
const BATCH = opts.batch === "1";
const TOP = Number(opts.top ?? 0);
const PIPE_FRAME = /WebSocketPipeImpl::send\b/;
/** Parts of the work, by a frame anywhere on the sampled stack (inclusive; a sample can count in several). */
const INCLUSIVE = {
  "SQLite (any)": /sqlite3/,
  "WAL fsync": /fsync/,
  "JSON parse/stringify": /JsonParser|JsonStringifier/,
  "WebSocket pipes": PIPE_FRAME,
  "socket send to the client (kernel TCP)": /tcp_sendmsg/,
  "V8 GC": /v8::internal::(Heap|Scavenger|MarkCompact|MinorMarkSweep)/,
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Sends RATE messages a second from rotating sockets for `ms`; `frame(i)` builds the i-th send frame. */
async function drive(sockets, frame, ms) {
  const t0 = Date.now();
  let sent = 0;
  while (Date.now() - t0 < ms) {
    const due = Math.floor(((Date.now() - t0) / 1000) * RATE);
    for (; sent < due; sent++) sockets[sent % sockets.length].send(frame(sent));
    await sleep(2);
  }
  return sent;
}

/** perf samples of `pid` for `seconds`, as (pipe frames per stack) → samples, over stacks with at least one pipe frame. */
async function pipeDepths(pid, seconds, load) {
  const dir = mkdtempSync(path.join(tmpdir(), "sc-pipes-"));
  const data = path.join(dir, "perf.data");
  const perf = spawn("perf", ["record", "-g", "-F", "999", "-p", String(pid), "-o", data, "--", "sleep", String(seconds)], { stdio: "ignore" });
  const exited = new Promise((r) => perf.once("exit", r));
  const sent = await load(seconds * 1000);
  await exited;
  const script = spawnSync("perf", ["script", "-i", data, "-F", "ip,sym"], { encoding: "utf8", maxBuffer: 1 << 30 });
  rmSync(dir, { recursive: true, force: true });
  if (script.status !== 0) throw new Error(`perf script failed: ${script.stderr.slice(0, 300)}`);
  const depths = new Map();
  const leaves = new Map();
  const parts = new Map(Object.keys(INCLUSIVE).map((k) => [k, 0]));
  let samples = 0;
  for (const stack of script.stdout.split("\n\n")) {
    const lines = stack.split("\n").filter((line) => line.trim());
    if (lines.length === 0) continue;
    samples++;
    const pipes = lines.filter((line) => PIPE_FRAME.test(line)).length;
    if (pipes > 0) depths.set(pipes, (depths.get(pipes) ?? 0) + 1);
    const leaf = lines[0]
      .trim()
      .replace(/^[0-9a-f]+\s+/, "")
      .slice(0, 90);
    leaves.set(leaf, (leaves.get(leaf) ?? 0) + 1);
    for (const [part, pattern] of Object.entries(INCLUSIVE)) if (lines.some((line) => pattern.test(line))) parts.set(part, (parts.get(part) ?? 0) + 1);
  }
  return { sent, samples, depths, leaves, parts };
}

function summary(kind, result) {
  const sorted = [...result.depths.entries()].sort((a, b) => b[1] - a[1]);
  const mode = sorted[0]?.[0] ?? 0;
  const withPipes = sorted.reduce((n, [, c]) => n + c, 0);
  const spread = [...result.depths.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([d, c]) => `${d}: ${c}`)
    .join(", ");
  return [kind, result.sent, result.samples, withPipes, mode, spread];
}

async function main() {
  if (spawnSync("perf", ["--version"]).status !== 0) throw new Error("perf is not installed (apt-get install linux-perf)");
  const stack = await startStack();
  const baseline = await startBaseline();
  try {
    const users = await registerUsers(stack.url, MEMBERS, { concurrency: 8, label: "p" });
    const conversationId = await createGroup(stack.url, users[0], users.slice(1));
    const ours = await pool(users, 8, (u) => openChatSocket(stack.url, u, conversationId, { batch: BATCH }));
    const url = wsUrl(baseline.url, `/parties/baseline-room/pipes-${Date.now()}`);
    const theirs = await pool(users, 8, () => openSocket(url));
    const body = "x".repeat(100);
    const frame = (i) => `{"type":"send","client_id":"p${i}","body":"${body}"}`;
    await drive(ours, frame, 1000); // warm-up: JIT, the room's first load
    await drive(theirs, frame, 1000);
    const rows = [];
    const hottest = [];
    const byPart = [];
    for (const [kind, target, sockets] of [
      ["ours", stack, ours],
      ["baseline", baseline, theirs],
    ]) {
      const pid = target.workerdPid();
      if (!pid) throw new Error(`no workerd process for ${kind}`);
      const result = await pipeDepths(pid, SECONDS, (ms) => drive(sockets, frame, ms));
      rows.push(summary(kind, result));
      const top = [...result.leaves.entries()].sort((a, b) => b[1] - a[1]).slice(0, TOP);
      for (const [leaf, count] of top) hottest.push([kind, leaf, count, `${((100 * count) / result.samples).toFixed(1)} %`]);
      for (const [part, count] of result.parts)
        byPart.push([kind, part, count, `${((100 * count) / result.samples).toFixed(1)} %`, (count / result.sent).toFixed(3)]);
    }
    for (const ws of [...ours, ...theirs]) ws.terminate();
    console.log(`pipes per delivered frame: commit ${sourceCommit()}, ${MEMBERS} members, ${RATE} msg/s for ${SECONDS} s, our sockets batch=${BATCH ? 1 : 0}`);
    console.log(table(["stack", "messages sent", "perf samples", "samples in a pipe send", "pipes (mode)", "pipes: samples"], rows));
    if (TOP > 0) {
      console.log(table(["stack", "leaf function", "self samples", "share"], hottest));
      console.log(table(["stack", "part (inclusive)", "samples", "share", "samples per message"], byPart));
    }
  } finally {
    await stack.stop();
    await baseline.stop();
  }
}

await main();
