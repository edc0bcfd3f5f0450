// bench:inbox, part 2: one user in C conversations comes back to its device stream (issue 18).
// The stream holds one coalesced entry per changed conversation; the device resumes from the
// position it had before those changes (`since`), and that is compared with a fresh connect, which
// must reload the conversation list over HTTP (as a client does after a `reset`).
import { performance } from "node:perf_hooks";
import { api, expectStatus, pool, registerUsers } from "./api.mjs";
import { closeStream, openDeviceStream, wireBytes } from "./device-stream.mjs";
import { median, round } from "./stats.mjs";

const QUIET_MS = 1000;
const STALL_MS = 15_000;
const PRESENCE_SETTLE_MS = 2500;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function sendAll(base, peers, conversationIds, round, concurrency = 8) {
  await pool(conversationIds, concurrency, async (id, i) => {
    const peer = peers[i % peers.length];
    const body = { client_id: `r${round}-${i}`, body: `resume bench round ${round}` };
    expectStatus(await api(base, "POST", `/v1/conversations/${id}/messages`, { token: peer.accessToken, ip: peer.ip, body }), [200, 201], "send");
  });
}

/** One connect over bearer: time to `hello`, to the last replay (`events`/`reset`) frame, entries, bytes; closed after QUIET_MS of silence. */
async function connect(base, user, since) {
  const seen = { entries: 0, conversations: new Set(), replayAt: 0, reset: false, lastFrameAt: 0 };
  const stream = await openDeviceStream(base, user, {
    since,
    bearer: true,
    onFrame: (data, now) => {
      seen.lastFrameAt = now;
      const head = data.toString("latin1", 0, 16);
      if (head.startsWith('{"type":"reset"')) {
        seen.reset = true;
        seen.replayAt = now;
      } else if (head.startsWith('{"type":"events"')) {
        for (const { event } of JSON.parse(data.toString()).entries) {
          seen.entries++;
          if (event.kind === "conversation") seen.conversations.add(event.conversation_id);
        }
        seen.replayAt = now;
      }
    },
  });
  while (performance.now() - seen.lastFrameAt < QUIET_MS) await sleep(20);
  const wire = wireBytes(stream.ws);
  await closeStream(stream.ws);
  return {
    position: stream.hello.position,
    hello_ms: stream.helloAt - stream.startedAt,
    replay_ms: (seen.replayAt || stream.helloAt) - stream.startedAt,
    entries: seen.entries,
    conversations: seen.conversations.size,
    reset: seen.reset,
    payload_bytes: stream.payloadBytes,
    wire_bytes: wire,
  };
}

/** The whole conversation list, 100 a page (GET /v1/conversations): what a fresh or reset device loads. */
async function reloadList(base, user) {
  const t0 = performance.now();
  let bytes = 0;
  let count = 0;
  let pages = 0;
  let cursor;
  do {
    const res = await fetch(`${base}/v1/conversations?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, {
      headers: { authorization: `Bearer ${user.accessToken}`, "cf-connecting-ip": user.ip },
    });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`GET /v1/conversations: HTTP ${res.status} ${text.slice(0, 200)}`);
    bytes += Buffer.byteLength(text);
    const page = JSON.parse(text);
    count += page.conversations.length;
    cursor = page.next_cursor ?? undefined;
    pages++;
  } while (cursor);
  return { ms: performance.now() - t0, bytes, conversations: count, pages };
}

function medianOf(samples) {
  const out = {};
  for (const key of Object.keys(samples[0])) {
    const values = samples.map((s) => s[key]);
    out[key] = typeof values[0] === "number" ? round(median(values), 2) : values[0];
  }
  return out;
}

export async function resumeBench(base, { conversations, peers: peerCount, perConversation, repeats }) {
  const [user, ...peers] = await registerUsers(base, 1 + peerCount, { label: "r" });
  const t = performance.now();
  const ids = await pool(
    Array.from({ length: conversations }, (_, i) => i),
    8,
    async (i) => {
      const peer = peers[i % peers.length];
      const res = await api(base, "POST", "/v1/conversations", {
        token: peer.accessToken,
        ip: peer.ip,
        body: { type: "group", name: `r${i}`, member_ids: [user.id] },
      });
      return expectStatus(res, 201, "create conversation").conversation.id;
    },
  );
  console.log(`[inbox] resume: ${conversations} conversations created in ${round((performance.now() - t) / 1000, 1)} s`);

  // Online while the conversations change (rooms publish to online devices only), then away.
  const live = new Map();
  let lastFrameAt = performance.now();
  const online = await openDeviceStream(base, user, {
    onFrame: (data, now) => {
      lastFrameAt = now;
      if (!data.toString("latin1", 0, 16).startsWith('{"type":"events"')) return;
      for (const { event } of JSON.parse(data.toString()).entries) if (event.kind === "conversation") live.set(event.conversation_id, event.last_seq);
    },
  });
  const before = online.hello.position;
  // Each room trusts its last presence answer for ~1 s (rooms/device-fanout.ts ONLINE_CACHE_MS): creating the
  // conversation asked it while this device was still offline, and what is not published is never stored.
  await sleep(PRESENCE_SETTLE_MS);
  for (let k = 1; k <= perConversation; k++) await sendAll(base, peers, ids, k);
  while (!ids.every((id) => (live.get(id) ?? 0) >= perConversation) && performance.now() - lastFrameAt < STALL_MS) await sleep(20);
  await closeStream(online.ws);
  const live_conversations = ids.filter((id) => (live.get(id) ?? 0) >= perConversation).length;
  console.log(`[inbox] resume: ${live_conversations}/${conversations} conversations reached the online stream (position ${before} before)`);
  await sleep(PRESENCE_SETTLE_MS);

  const samples = { resume: [], upToDate: [], fresh: [], reload: [], reset: [] };
  for (let r = 0; r < repeats; r++) {
    samples.resume.push(await connect(base, user, before));
    const fresh = await connect(base, user, undefined);
    samples.fresh.push(fresh);
    samples.reload.push(await reloadList(base, user));
    samples.upToDate.push(await connect(base, user, fresh.position));
    samples.reset.push(await connect(base, user, fresh.position + 1_000_000));
  }
  const position = samples.fresh[0].position;

  // A real absence: the device is offline while every conversation changes once more.
  await sendAll(base, peers, ids, perConversation + 1);
  await sleep(1000);
  const offline = await connect(base, user, position);
  return {
    conversations,
    messages_per_conversation: perConversation,
    live_conversations,
    repeats,
    resume: medianOf(samples.resume),
    up_to_date: medianOf(samples.upToDate),
    fresh: medianOf(samples.fresh),
    reload: medianOf(samples.reload),
    reset: medianOf(samples.reset),
    offline_changes_returned: offline.conversations,
    offline,
  };
}
