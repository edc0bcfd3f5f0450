// bench:history — a 50-message page (GET /v1/conversations/{id}/messages?limit=50) from rooms holding
// 1 thousand, 100 thousand and 1 million messages, through the real gateway and ConversationRoom.
//
// Seeding: each room gets its first message through the API (which creates its Durable Object and
// SQLite schema); the stack is then stopped and the rest of the log is written straight into that
// object's SQLite file (python3's sqlite3, rows shaped exactly as MessageStore writes them), and the
// stack is started again on the same state. No production code path exists for this.
//
//   node bench/history.mjs [--sizes=1000,100000,1000000] [--requests=300] [--smoke]
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { api, createGroup, expectStatus, registerUsers } from "./lib/api.mjs";
import { writeChart } from "./lib/chart.mjs";
import { startStack } from "./lib/stack.mjs";
import { args, percentile, round, table, writeResults } from "./lib/stats.mjs";

const opts = args();
const SMOKE = opts.smoke === "true";
const SIZES = (opts.sizes ?? (SMOKE ? "200" : "1000,100000,1000000")).split(",").map(Number);
const REQUESTS = Number(opts.requests ?? (SMOKE ? 10 : 300));
const GOAL_RATIO = 1.5;

/** Finds, for each marker, the Durable Object SQLite file whose first message carries it. */
const FIND_AND_SEED = String.raw`
import glob, json, os, sqlite3, sys, uuid
persist, plan = sys.argv[1], json.loads(sys.argv[2])
files = [f for f in glob.glob(os.path.join(persist, "**", "*.sqlite"), recursive=True) if "ConversationRoom" in f]
done = {}
for f in files:
    db = sqlite3.connect(f)
    try:
        row = db.execute("SELECT body, sender_id FROM messages WHERE seq = 1").fetchone()
    except sqlite3.Error:
        db.close(); continue
    if not row or row[0] not in plan:
        db.close(); continue
    total, senders = plan[row[0]]["total"], plan[row[0]]["senders"]
    db.execute("BEGIN")
    batch = []
    for seq in range(2, total + 1):
        sender = senders[seq % len(senders)]
        batch.append((seq, str(uuid.uuid4()), sender, "seed-%d" % seq, "text/plain", "seeded message %d: " % seq + "x" * 80, "2026-01-01T00:00:00.000Z"))
        if len(batch) == 50000:
            db.executemany("INSERT INTO messages (seq, id, sender_id, client_id, content_type, body, created_at) VALUES (?,?,?,?,?,?,?)", batch); batch = []
    if batch:
        db.executemany("INSERT INTO messages (seq, id, sender_id, client_id, content_type, body, created_at) VALUES (?,?,?,?,?,?,?)", batch)
    db.commit()
    count = db.execute("SELECT COUNT(*) FROM messages").fetchone()[0]
    db.close()
    done[row[0]] = {"file": os.path.basename(f), "count": count}
print(json.dumps(done))
`;

function seed(persistDir, plan) {
  const result = spawnSync("python3", ["-c", FIND_AND_SEED, persistDir, JSON.stringify(plan)], { encoding: "utf8", maxBuffer: 1 << 24 });
  if (result.status !== 0) throw new Error(`seeding failed: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

/** Readers rotate (each with its own client address) so the per-user and per-IP limits (600/min) never answer. */
const READERS = 12;

async function pageLatencies(base, users, conversationId, query, requests) {
  const path = `/v1/conversations/${conversationId}/messages?${query}`;
  for (let i = 0; i < 20; i++) {
    const user = users[i % users.length];
    expectStatus(await api(base, "GET", path, { token: user.accessToken, ip: user.ip }), 200, "history warm-up");
  }
  const samples = [];
  for (let i = 0; i < requests; i++) {
    const user = users[i % users.length];
    const t0 = performance.now();
    const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${user.accessToken}`, "cf-connecting-ip": user.ip } });
    const body = await res.json();
    samples.push(performance.now() - t0);
    if (res.status !== 200 || body.messages.length !== 50) throw new Error(`history page: HTTP ${res.status}, ${body.messages?.length} messages`);
  }
  return {
    p50_ms: round(percentile(samples, 50), 2),
    p99_ms: round(percentile(samples, 99), 2),
    mean_ms: round(samples.reduce((a, b) => a + b, 0) / samples.length, 2),
  };
}

async function main() {
  const persistDir = mkdtempSync(path.join(tmpdir(), "sc-bench-history-"));
  const rooms = [];
  try {
    let stack = await startStack({ persistDir });
    let users;
    try {
      users = await registerUsers(stack.url, SMOKE ? 2 : READERS, { label: "hist" });
      for (const total of SIZES) {
        const conversationId = await createGroup(stack.url, users[0], users.slice(1));
        const marker = `history-bench-${total}-${conversationId}`;
        expectStatus(
          await api(stack.url, "POST", `/v1/conversations/${conversationId}/messages`, {
            token: users[0].accessToken,
            ip: users[0].ip,
            body: { client_id: "first", body: marker },
          }),
          201,
          "first message",
        );
        rooms.push({ total, conversationId, marker });
      }
    } finally {
      await stack.stop();
    }
    const t = performance.now();
    const plan = Object.fromEntries(rooms.map((r) => [r.marker, { total: r.total, senders: users.slice(0, 2).map((u) => u.id) }]));
    const seeded = seed(persistDir, plan);
    console.log(`[history] seeded ${JSON.stringify(Object.values(seeded).map((s) => s.count))} messages in ${round((performance.now() - t) / 1000, 1)} s`);
    for (const room of rooms)
      if (seeded[room.marker]?.count !== room.total) throw new Error(`room of ${room.total} not seeded: ${JSON.stringify(seeded[room.marker])}`);

    stack = await startStack({ persistDir });
    try {
      // Fresh tokens are not needed: access tokens live 15 minutes and the same signing keys are used.
      for (const room of rooms) {
        room.newest = await pageLatencies(stack.url, users, room.conversationId, "limit=50", REQUESTS);
        room.middle = await pageLatencies(stack.url, users, room.conversationId, `limit=50&before_seq=${Math.floor(room.total / 2)}`, REQUESTS);
        console.log(
          `[history] ${room.total} messages: newest page p50 ${room.newest.p50_ms} ms p99 ${room.newest.p99_ms} ms; middle page p50 ${room.middle.p50_ms} ms p99 ${room.middle.p99_ms} ms`,
        );
      }
    } finally {
      await stack.stop();
    }
  } finally {
    rmSync(persistDir, { recursive: true, force: true });
  }
  report(rooms);
}

function report(rooms) {
  const smallest = rooms[0];
  const largest = rooms[rooms.length - 1];
  const ratio = round(largest.newest.p50_ms / smallest.newest.p50_ms, 2);
  const ratioMiddle = round(largest.middle.p50_ms / smallest.middle.p50_ms, 2);
  const md = [
    `${REQUESTS} sequential requests per page (one client, after 20 warm-up requests); latency = client-side wall time of the full HTTP request through the gateway.`,
    "",
    table(
      ["messages in room", "newest page p50 ms", "newest p99 ms", "middle page (before_seq=N/2) p50 ms", "middle p99 ms"],
      rooms.map((r) => [r.total.toLocaleString("en"), r.newest.p50_ms, r.newest.p99_ms, r.middle.p50_ms, r.middle.p99_ms]),
    ),
    "",
    `Largest / smallest at p50: newest page **${ratio}x**, middle page ${ratioMiddle}x (goal ≤ ${GOAL_RATIO}x: ${Math.max(ratio, ratioMiddle) <= GOAL_RATIO ? "met" : "missed"}).`,
  ].join("\n");
  console.log(md);
  if (SMOKE) return;
  writeResults("history", { sizes: SIZES, requests: REQUESTS, rooms, ratio_p50_newest: ratio, ratio_p50_middle: ratioMiddle }, md);
  writeChart("history", {
    title: "History: 50-message page latency vs messages stored (p50)",
    yLabel: "ms (p50)",
    categories: rooms.map((r) => `${r.total.toLocaleString("en")} msgs`),
    series: [
      { name: "newest page", values: rooms.map((r) => r.newest.p50_ms) },
      { name: "middle page", values: rooms.map((r) => r.middle.p50_ms) },
    ],
    line: { value: smallest.newest.p50_ms * GOAL_RATIO, label: `goal: ${GOAL_RATIO}x smallest` },
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
