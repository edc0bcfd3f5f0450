// Set-up time of many sockets opened from ONE client address (issue 23): what an outside harness, an
// office or a school behind one NAT sees. Users are registered from distinct addresses first (not
// measured); then every user mints a ticket and opens their device stream, all from one address,
// SETUP_CONCURRENCY at a time. A 429 is waited out (Retry-After) and counted, never dropped.
//   npm run bench:setup                 (SETUP_SOCKETS=1000, SETUP_CONCURRENCY=32)
// Runs the committed HEAD (bench/lib/stack.mjs); BENCH_SOURCE=live runs the working tree.
import { performance } from "node:perf_hooks";
import WebSocket from "ws";
import { api, expectStatus, pool, registerUsers, throttled, wsUrl } from "./lib/api.mjs";
import { sourceCommit, startStack } from "./lib/stack.mjs";

const SOCKETS = Number(process.env.SETUP_SOCKETS ?? 1000);
const CONCURRENCY = Number(process.env.SETUP_CONCURRENCY ?? 32);
const SHARED_IP = "198.51.100.77";

/** Opens the device stream; resolves with the socket at `hello`, or with the upgrade's HTTP status if refused. */
function upgrade(url) {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers: { "cf-connecting-ip": SHARED_IP }, perMessageDeflate: false });
    ws.on("unexpected-response", (_req, res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, retryAfter: Number(res.headers["retry-after"] ?? "1") });
    });
    ws.on("message", (data) => {
      if (data.toString("latin1", 0, 15) === '{"type":"hello"') resolve({ status: 101, ws });
    });
    ws.on("error", () => resolve({ status: 0, retryAfter: 1 }));
  });
}

async function openFromSharedIp(base, user, refused) {
  for (;;) {
    const ticket = expectStatus(await api(base, "POST", "/v1/ws/ticket", { token: user.accessToken, ip: SHARED_IP }), 201, "ws ticket").ticket;
    const answer = await upgrade(wsUrl(base, `/v1/ws/events?ticket=${encodeURIComponent(ticket)}`));
    if (answer.status === 101) return answer.ws;
    if (answer.status !== 429) throw new Error(`upgrade answered ${answer.status}`);
    refused.count++;
    await new Promise((r) => setTimeout(r, Math.min(answer.retryAfter, 61) * 1000));
  }
}

async function main() {
  const stack = await startStack();
  try {
    const users = await registerUsers(stack.url, SOCKETS, { concurrency: 8, label: "s" });
    throttled.count = 0;
    const refused = { count: 0 };
    const started = performance.now();
    const sockets = await pool(users, CONCURRENCY, (user) => openFromSharedIp(stack.url, user, refused));
    const seconds = (performance.now() - started) / 1000;
    console.log(
      JSON.stringify({
        commit: sourceCommit(),
        sockets: sockets.length,
        concurrency: CONCURRENCY,
        setup_seconds: Math.round(seconds * 10) / 10,
        ticket_429s: throttled.count,
        upgrade_429s: refused.count,
      }),
    );
    for (const ws of sockets) ws.terminate();
  } finally {
    await stack.stop();
  }
}

await main();
