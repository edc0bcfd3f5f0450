// bench:inbox — the per-device event stream (issue 18), through the real gateway.
// 1. A group of M members, S of them sending on conversation sockets, D others with their device
//    stream open: sends/s the room sustains (burst), send-to-inbox p50/p99 (paced: send on a
//    conversation socket → the `events` frame on another member's device stream) and CPU per message,
//    against the same group with no device stream open (the room then publishes to nobody).
// 2. One user in C conversations comes back: resume time and bytes (`since` from before the changes)
//    against a fresh connect plus the conversation-list reload it needs.
//
//   node bench/inbox.mjs [--members=1000] [--devices=100] [--senders=10] [--messages=500] [--runs=3]
//                        [--paced-seconds=5] [--conversations=500] [--per-conversation=2] [--repeats=5]
//                        [--no-profile] [--smoke] (the smoke skips the isolate profiles unless --profile)
import path from "node:path";
import { performance } from "node:perf_hooks";
import { createGroup, registerUsers, throttled } from "./lib/api.mjs";
import { closeStream } from "./lib/device-stream.mjs";
import { burst, InboxGroup, openSenders, paced } from "./lib/inbox-group.mjs";
import { resumeBench } from "./lib/inbox-resume.mjs";
import { attachProfiler } from "./lib/profiler.mjs";
import { root, startStack } from "./lib/stack.mjs";
import { args, median, round, table, writeResults } from "./lib/stats.mjs";

const opts = args();
const SMOKE = opts.smoke === "true";
const num = (key, full, smoke) => Number(opts[key] ?? (SMOKE ? smoke : full));
const MEMBERS = num("members", 1000, 6);
const DEVICES = num("devices", 100, 2);
const SENDERS = num("senders", 10, 2);
const MESSAGES = num("messages", 500, 10);
const RUNS = num("runs", 3, 1);
const PACED_SECONDS = num("paced-seconds", 5, 1);
const CONVERSATIONS = num("conversations", 500, 5);
const PER_CONVERSATION = num("per-conversation", 2, 1);
const REPEATS = num("repeats", 5, 1);
/** Off in --smoke: the devtools inspector sometimes does not answer, and the smoke only proves the benchmark runs. */
const PROFILE = opts["no-profile"] !== "true" && (!SMOKE || opts.profile === "true");
/** Every inspector step is bounded: a silent inspector skips the profile instead of hanging the benchmark. */
const bounded = (promise, what) =>
  Promise.race([promise, new Promise((_, reject) => setTimeout(() => reject(new Error(`${what}: no answer in 15 s`)), 15_000).unref())]);
/** Sustained frames per socket (workers/chat/src/rooms/frame-rate.ts): the paced rate stays under it. */
const SOCKET_RATE = 100;

if (SENDERS + DEVICES > MEMBERS) throw new Error("senders + devices must not exceed members");

/** Self time of the chat and gateway isolates during one burst (a separate, unmeasured burst: the profiler slows it). */
async function profileBurst(stack, group) {
  try {
    const ports = stack.workerdInspector();
    const profilers = await bounded(Promise.all(["secureconnect-chat", "secureconnect-gateway"].map((w) => attachProfiler(ports, w))), "profiler attach");
    const mode = group.inbox ? "inbox" : "none";
    let summaries = [];
    const around = {
      start: () => bounded(Promise.all(profilers.map((p) => p.start())), "profiler start"),
      stop: async () => {
        const out = (i) => path.join(root, "bench", "out", `inbox-${mode}-${i === 0 ? "chat" : "gateway"}.cpuprofile`);
        summaries = await bounded(Promise.all(profilers.map((p, i) => p.stop(out(i)))), "profiler stop");
      },
    };
    await burst(group, MESSAGES, stack.workerdPid(), around);
    profilers.forEach((p) => p.close());
    const [chat, gateway] = summaries;
    if (process.env.BENCH_DEBUG) console.log(`[debug] ${mode} chat isolate: ${JSON.stringify(chat)}`);
    return {
      chat_busy_ms_per_message: round(chat.busy_ms / MESSAGES, 3),
      gateway_busy_ms_per_message: round(gateway.busy_ms / MESSAGES, 3),
      chat_top: chat.functions.slice(0, 8),
    };
  } catch (err) {
    console.log(`[inbox] profile skipped: ${err.message}`);
    return null;
  }
}

async function groupBench(stack) {
  const t = performance.now();
  const users = await registerUsers(stack.url, MEMBERS, { concurrency: 8, label: "i" });
  console.log(`[inbox] registered ${users.length} users in ${round((performance.now() - t) / 1000, 1)} s (429s retried: ${throttled.count})`);
  const conversationId = await createGroup(stack.url, users[0], users.slice(1));
  const senders = await openSenders(stack.url, users.slice(0, SENDERS), conversationId);
  const group = new InboxGroup(stack.url, conversationId, senders, users.slice(SENDERS, SENDERS + DEVICES));
  const setMode = (mode) => (mode === "inbox" ? group.openDevices() : group.closeDevices());
  // Warm-up (JIT, Durable Objects, SQLite pages), both modes; not measured.
  for (const mode of ["inbox", "none"]) {
    await setMode(mode);
    const warm = await burst(group, MESSAGES, stack.workerdPid());
    if (process.env.BENCH_DEBUG) console.log(`[debug] warm-up: ${JSON.stringify(warm)}`);
  }
  const runs = [];
  for (let r = 0; r < RUNS; r++) {
    const order = r % 2 === 0 ? ["inbox", "none"] : ["none", "inbox"];
    const b = {};
    for (const mode of order) {
      await setMode(mode);
      b[mode] = await burst(group, MESSAGES, stack.workerdPid());
    }
    // Paced at half of the lower sustained rate, the same for both modes, under the senders' frame limit.
    const rate = Math.min(Math.min(b.inbox.sends_per_s, b.none.sends_per_s) / 2, SENDERS * SOCKET_RATE * 0.8);
    const p = {};
    for (const mode of order) {
      await setMode(mode);
      p[mode] = await paced(group, rate, PACED_SECONDS);
    }
    runs.push({ run: r + 1, burst: b, paced: p });
    console.log(
      `[inbox] run ${r + 1}: sends/s inbox ${b.inbox.sends_per_s} none ${b.none.sends_per_s}; workerd CPU ms/msg inbox ${b.inbox.workerd_cpu_ms_per_message} ` +
        `none ${b.none.workerd_cpu_ms_per_message}; paced @${round(rate, 1)}/s send→inbox p50/p99 ${p.inbox.inbox_p50_ms}/${p.inbox.inbox_p99_ms} ms ` +
        `(missing ${p.inbox.inbox_missing}); send→conversation socket p99 inbox ${p.inbox.conversation_p99_ms} none ${p.none.conversation_p99_ms} ms`,
    );
  }
  const profile = {};
  if (PROFILE)
    for (const mode of ["inbox", "none"]) {
      await setMode(mode);
      profile[mode] = await profileBurst(stack, group);
    }
  await group.closeDevices();
  await Promise.all(senders.map((ws) => closeStream(ws)));
  return { members: MEMBERS, devices: DEVICES, senders: SENDERS, messages: MESSAGES, runs, profile };
}

async function main() {
  const stack = await startStack();
  console.log(`[inbox] stack up at ${stack.url} (${stack.startupMs} ms)`);
  let group;
  let resume;
  try {
    group = await groupBench(stack);
    resume = await resumeBench(stack.url, { conversations: CONVERSATIONS, peers: SMOKE ? 2 : 10, perConversation: PER_CONVERSATION, repeats: REPEATS });
  } finally {
    await stack.stop();
  }
  report(group, resume);
}

function report(group, resume) {
  const med = (f) => median(group.runs.map(f));
  const row = (mode) => [
    mode === "inbox" ? `${group.devices} device streams open` : "no device stream open",
    med((r) => r.burst[mode].sends_per_s),
    med((r) => r.burst[mode].acked_per_s),
    med((r) => r.burst[mode].workerd_cpu_ms_per_message),
    group.profile[mode]?.chat_busy_ms_per_message ?? "n/a",
    group.profile[mode]?.gateway_busy_ms_per_message ?? "n/a",
    mode === "inbox" ? `${med((r) => r.paced.inbox.inbox_p50_ms)} / ${med((r) => r.paced.inbox.inbox_p99_ms)}` : "—",
    `${med((r) => r.paced[mode].conversation_p50_ms)} / ${med((r) => r.paced[mode].conversation_p99_ms)}`,
    `${med((r) => r.paced[mode].ack_p50_ms)} / ${med((r) => r.paced[mode].ack_p99_ms)}`,
  ];
  const perRun = group.runs.map((r) => [
    r.run,
    r.burst.inbox.sends_per_s,
    r.burst.none.sends_per_s,
    r.burst.inbox.entries_per_device_per_message,
    r.paced.inbox.rate_msgs_per_s,
    `${r.paced.inbox.inbox_p50_ms} / ${r.paced.inbox.inbox_p99_ms}`,
    r.paced.inbox.inbox_missing,
    r.burst.inbox.errors + r.burst.none.errors + r.paced.inbox.errors + r.paced.none.errors,
    r.burst.inbox.complete && r.burst.none.complete && r.paced.inbox.complete && r.paced.none.complete ? "yes" : "NO",
  ]);
  const conn = (name, c, extra = "") => [name, c.hello_ms, c.replay_ms, c.entries, c.payload_bytes, c.wire_bytes, extra];
  const md = [
    `### Group: ${group.members.toLocaleString("en")} members, ${group.senders} senders on conversation sockets, ${group.messages} messages per burst`,
    "",
    `Median of ${group.runs.length} run(s). sends/s = messages ÷ (first send → last ack, last delivery to the other senders' sockets and, with streams open, every stream holding the newest seq).`,
    "workerd CPU = user+system time of the stack's workerd process (every worker) over the burst; chat/gateway = isolate self time from the profiler, in a separate burst.",
    "",
    table(
      [
        "",
        "sends/s",
        "acked/s",
        "workerd CPU ms/msg",
        "chat isolate ms/msg",
        "gateway isolate ms/msg",
        "send→inbox p50 / p99 ms",
        "send→conversation socket p50 / p99 ms",
        "send→ack p50 / p99 ms",
      ],
      [row("inbox"), row("none")],
    ),
    "",
    "Per run:",
    "",
    table(
      [
        "run",
        "sends/s with streams",
        "sends/s without",
        "stream entries per device per message",
        "paced msg/s",
        "send→inbox p50 / p99 ms",
        "inbox samples missing",
        "error frames",
        "complete",
      ],
      perRun,
    ),
    "",
    `### Resume: one user in ${resume.conversations} conversations (${resume.messages_per_conversation} message(s) each while the device was online; ${resume.live_conversations} reached its stream live)`,
    "",
    `Median of ${resume.repeats} connect(s), bearer upgrade, from the client's upgrade request. Bytes: frame payloads and what the socket read (101 response and frame headers included); the list reload: response bodies.`,
    "",
    table(
      ["connect", "to hello ms", "to replay ms", "entries", "payload bytes", "wire bytes", ""],
      [
        conn("resume from before the changes", resume.resume),
        conn("resume, nothing missed", resume.up_to_date),
        conn("since ahead of the stream", resume.reset, resume.reset.reset ? "reset" : "no reset"),
        conn("fresh connect (no since)", resume.fresh),
        [
          "+ list reload (GET /v1/conversations, 100 a page)",
          "",
          round(resume.reload.ms, 2),
          resume.reload.conversations,
          resume.reload.bytes,
          "",
          `${resume.reload.pages} pages`,
        ],
      ],
    ),
    "",
    `After a real absence (stream closed while each conversation got one more message), resuming returned ${resume.offline_changes_returned} of ${resume.conversations} changed conversations.`,
  ].join("\n");
  console.log(md);
  if (SMOKE) return;
  writeResults("inbox", { group, resume }, md);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
