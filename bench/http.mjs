// bench:http — autocannon against the real stack (`wrangler dev`, gateway first, fresh state):
// login, refresh, GET /v1/users/me, REST message send, a history page, upload-url; requests per
// second and p50/p99. The gateway's own overhead is read against the bare route in the same stack
// (GET /health), and token verification is timed per operation in Node (bench/jwt-verify.mjs).
//
//   node bench/http.mjs [--seconds=8] [--connections=10] [--users=60] [--only=me,send] [--smoke]
//   node bench/http.mjs --profile   CPU profile of the gateway isolate during the gateway-only route
//                                   (bench/out/http-gateway.cpuprofile); nothing is written to results
import autocannon from "autocannon";
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { api, clientIp, createGroup, expectStatus, PASSWORD, registerUsers, throttled } from "./lib/api.mjs";
import { writeChart } from "./lib/chart.mjs";
import { attachProfiler } from "./lib/profiler.mjs";
import { root, startStack } from "./lib/stack.mjs";
import path from "node:path";
import { args, median, percentile, round, table, writeResults } from "./lib/stats.mjs";
import { measureJwtVerify } from "./jwt-verify.mjs";

const opts = args();
const SMOKE = opts.smoke === "true";
const SECONDS = Number(opts.seconds ?? (SMOKE ? 1 : 8));
const CONNECTIONS = Number(opts.connections ?? (SMOKE ? 2 : 10));
const USERS = Number(opts.users ?? (SMOKE ? 4 : 60));
const ONLY = opts.only ? new Set(opts.only.split(",")) : null;
const GOALS = { verify_ms: 0.1, overhead_p50_ms: 1 };
const LATENCY_ROUNDS = SMOKE ? 1 : 3;
const LATENCY_REQUESTS = SMOKE ? 10 : 300;

/** Round-robin over the users; each request carries its user's own client address. */
function rotation(users) {
  let i = 0;
  return () => users[i++ % users.length];
}

function jsonHeaders(user, token = user.accessToken) {
  const h = { "content-type": "application/json", "cf-connecting-ip": user.ip };
  if (token) h.authorization = `Bearer ${token}`;
  return h;
}

/** Every scenario: what it calls, which statuses count as answered, how each request is built. */
function scenarios(ctx) {
  const next = rotation(ctx.users);
  const refreshQueue = [...ctx.users];
  let refreshes = 0;
  return [
    {
      name: "health",
      what: "GET /health (bare route: no /v1 middleware, no auth, no downstream call)",
      ok: [200],
      request: () => ({ method: "GET", path: "/health" }),
    },
    {
      name: "v1-unauthed-404",
      what: "GET /v1/bench-no-such-route (every /v1 middleware incl. the IP rate limit, then 404; no auth)",
      ok: [404],
      request: () => ({ method: "GET", path: "/v1/bench-no-such-route", headers: { "cf-connecting-ip": next().ip } }),
    },
    {
      name: "gateway-only",
      what: "POST /v1/storage/upload-url with an invalid body (middleware + token verification + session check + per-user limit + validation, answered 400 by the gateway; no downstream call)",
      ok: [400],
      request: () => {
        const u = next();
        return { method: "POST", path: "/v1/storage/upload-url", headers: jsonHeaders(u), body: "{}" };
      },
    },
    {
      name: "me",
      what: "GET /v1/users/me",
      ok: [200],
      request: () => ({ method: "GET", path: "/v1/users/me", headers: jsonHeaders(next()) }),
    },
    {
      name: "upload-url",
      what: "POST /v1/storage/upload-url (presigned PUT, file row created)",
      ok: [201],
      request: () => {
        const u = next();
        return {
          method: "POST",
          path: "/v1/storage/upload-url",
          headers: jsonHeaders(u),
          body: JSON.stringify({ file_name: "bench.txt", content_type: "text/plain", size_bytes: 1024 }),
        };
      },
    },
    {
      name: "send",
      what: "POST /v1/conversations/{id}/messages (REST send: stored durably, fanned out)",
      ok: [201],
      request: () => {
        const u = next();
        return {
          method: "POST",
          path: `/v1/conversations/${ctx.conversationId}/messages`,
          headers: jsonHeaders(u),
          body: JSON.stringify({ client_id: randomUUID(), body: "hello from bench:http" }),
        };
      },
    },
    {
      name: "history",
      what: "GET /v1/conversations/{id}/messages?limit=50 (a 50-message page)",
      ok: [200],
      request: () => ({ method: "GET", path: `/v1/conversations/${ctx.conversationId}/messages?limit=50`, headers: jsonHeaders(next()) }),
    },
    {
      name: "refresh",
      what: "POST /v1/auth/refresh (each request presents the newest refresh token of a user taken from a queue)",
      ok: [200],
      request: (context) => {
        const u = refreshQueue.shift() ?? next();
        context.user = u;
        // Refresh is credential-throttled at 20 per minute per address: at several hundred rotations per
        // user-minute, each request comes from its own address (198.18.0.0/15, the benchmarking range).
        refreshes += 1;
        const ip = clientIp(refreshes % 131_072, 18, 198);
        return {
          method: "POST",
          path: "/v1/auth/refresh",
          headers: { ...jsonHeaders(u, null), "cf-connecting-ip": ip },
          body: JSON.stringify({ refresh_token: u.refreshToken }),
        };
      },
      onResponse: (status, body, context) => {
        const u = context.user;
        if (!u) return;
        if (status === 200) {
          try {
            u.refreshToken = JSON.parse(body).refresh_token;
          } catch {
            // keep the old one; the next use will show the failure
          }
        }
        refreshQueue.push(u);
      },
    },
    {
      name: "login",
      what: "POST /v1/auth/login (PBKDF2-SHA256, 100k iterations, by design)",
      ok: [200],
      request: () => {
        const u = next();
        return { method: "POST", path: "/v1/auth/login", headers: jsonHeaders(u, null), body: JSON.stringify({ email: u.email, password: PASSWORD }) };
      },
    },
  ];
}

/**
 * Unloaded latency: sequential requests from one client (performance.now(), µs resolution), so the
 * difference between two routes is the work one route does more, not queueing behind other requests.
 * The routes take turns request by request, so JIT warm-up and machine drift fall on all of them alike.
 */
async function interleavedLatency(url, scenarios, count) {
  const samples = Object.fromEntries(scenarios.map((s) => [s.name, []]));
  const context = {};
  for (let i = 0; i < count + 30; i++) {
    for (const scenario of scenarios) {
      const req = scenario.request(context);
      const t0 = performance.now();
      const res = await fetch(`${url}${req.path}`, { method: req.method, headers: req.headers, body: req.body });
      await res.arrayBuffer();
      if (i >= 30) samples[scenario.name].push(performance.now() - t0); // the first 30 warm up
      if (!scenario.ok.includes(res.status)) throw new Error(`${scenario.name}: HTTP ${res.status}`);
    }
  }
  return samples;
}

function runAutocannon(url, scenario) {
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        connections: CONNECTIONS,
        duration: scenario.seconds ?? SECONDS,
        requests: [
          {
            setupRequest: (req, context) => ({ ...req, ...scenario.request(context) }),
            ...(scenario.onResponse ? { onResponse: scenario.onResponse } : {}),
          },
        ],
      },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
    autocannon.track(instance, { renderProgressBar: false, renderResultsTable: false, renderLatencyTable: false });
  });
}

async function main() {
  const stack = await startStack();
  console.log(`[http] stack up at ${stack.url} in ${stack.startupMs} ms`);
  const rows = [];
  const latency = {};
  let verify;
  try {
    const users = await registerUsers(stack.url, USERS, { concurrency: 6, label: "h" });
    console.log(`[http] registered ${users.length} users (429s retried: ${throttled.count})`);
    const ctx = { users, conversationId: "" };
    try {
      ctx.conversationId = await createGroup(stack.url, users[0], users.slice(1));
      for (let i = 0; i < 60; i++) {
        const u = users[i % users.length];
        expectStatus(
          await api(stack.url, "POST", `/v1/conversations/${ctx.conversationId}/messages`, {
            token: u.accessToken,
            ip: u.ip,
            body: { client_id: randomUUID(), body: `seed ${i}` },
          }),
          201,
          "seed message",
        );
      }
    } catch (err) {
      console.log(`[http] conversation setup failed (send/history will show it): ${err.message}`);
    }
    const all = scenarios(ctx);
    if (opts.profile === "true") {
      const gatewayOnly = all.find((s) => s.name === "gateway-only");
      await runAutocannon(stack.url, { ...gatewayOnly, seconds: 2 });
      const profiler = await attachProfiler(stack.workerdInspector(), "secureconnect-gateway");
      await profiler.start();
      const result = await runAutocannon(stack.url, gatewayOnly);
      const summary = await profiler.stop(path.join(root, "bench", "out", "http-gateway.cpuprofile"));
      profiler.close();
      console.log(
        `[http] profile gateway-only: ${round(result.requests.average, 0)} req/s, gateway isolate busy ${summary.busy_ms} ms for ${result.requests.total} requests (${round(summary.busy_ms / result.requests.total, 3)} ms each)`,
      );
      console.log(
        table(
          ["self time", "ms", "%"],
          summary.functions.map((f) => [f.what, f.ms, f.share]),
        ),
      );
      return;
    }
    // Gateway overhead: the bare route and the gateway-only route, interleaved over several rounds.
    const trio = all.filter((s) => ["health", "v1-unauthed-404", "gateway-only"].includes(s.name));
    for (let r = 0; r < LATENCY_ROUNDS; r++) {
      const samples = await interleavedLatency(stack.url, trio, LATENCY_REQUESTS);
      for (const [name, values] of Object.entries(samples)) (latency[name] ??= []).push({ p50: percentile(values, 50), p99: percentile(values, 99) });
    }
    for (const scenario of all) {
      if (ONLY && !ONLY.has(scenario.name)) continue;
      if (!SMOKE) await runAutocannon(stack.url, { ...scenario, seconds: 2 }); // warm-up, not recorded
      const result = await runAutocannon(stack.url, scenario);
      const statuses = Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([k, v]) => [k, v.count]));
      const answered = scenario.ok.reduce((n, s) => n + (statuses[s] ?? 0), 0);
      const row = {
        name: scenario.name,
        what: scenario.what,
        rps: round(result.requests.average, 0),
        p50_ms: result.latency.p50,
        p99_ms: result.latency.p99,
        requests: result.requests.total,
        expected_status: scenario.ok.join("/"),
        expected_share: round(answered / Math.max(1, result.requests.total), 3),
        statuses,
        errors: result.errors + result.timeouts,
      };
      rows.push(row);
      console.log(
        `[http] ${row.name}: ${row.rps} req/s p50 ${row.p50_ms} ms p99 ${row.p99_ms} ms, expected status share ${row.expected_share} ${JSON.stringify(statuses)}`,
      );
    }
  } finally {
    await stack.stop();
  }
  if (opts.profile === "true") return;
  verify = await measureJwtVerify(SMOKE ? 100 : 3000);
  report(rows, verify, latency);
}

function report(rows, verify, latency) {
  const p50 = (name) => round(median((latency[name] ?? []).map((x) => x.p50)), 3);
  const p99 = (name) => round(median((latency[name] ?? []).map((x) => x.p99)), 3);
  const overhead = round(p50("gateway-only") - p50("health"), 3);
  const mw = round(p50("v1-unauthed-404") - p50("health"), 3);
  const latencyTable = table(
    ["route (1 client, sequential)", "p50 ms (median of rounds)", "p99 ms", "p50 per round"],
    ["health", "v1-unauthed-404", "gateway-only"].map((n) => [n, p50(n), p99(n), (latency[n] ?? []).map((x) => round(x.p50, 3)).join(", ")]),
  );
  const md = [
    `${CONNECTIONS} connections, ${SECONDS} s per route, ${USERS} users rotated (each with its own client address). Latencies are autocannon's (ms, integer resolution below 1 ms shows as 0-1).`,
    "",
    table(
      ["route", "req/s", "p50 ms", "p99 ms", "requests", "answered as expected", "other statuses"],
      rows.map((r) => [
        r.what,
        r.rps,
        r.p50_ms,
        r.p99_ms,
        r.requests,
        `${round(r.expected_share * 100, 1)}% (${r.expected_status})`,
        JSON.stringify(Object.fromEntries(Object.entries(r.statuses).filter(([k]) => !r.expected_status.split("/").includes(k)))),
      ]),
    ),
    "",
    `Unloaded latency, ${LATENCY_ROUNDS} rounds of ${LATENCY_REQUESTS} sequential requests per route, the routes taking turns request by request:`,
    "",
    latencyTable,
    "",
    `Gateway overhead at p50 (gateway-only − health): **${overhead} ms** (goal < ${GOALS.overhead_p50_ms} ms: ${overhead < GOALS.overhead_p50_ms ? "met" : `missed by ${round(overhead - GOALS.overhead_p50_ms, 3)} ms`}); /v1 middleware without auth (v1-unauthed-404 − health): ${mw} ms.`,
    "",
    `Token verification (${verify.where}, ${verify.iterations} iterations): **${verify.repeat_verify_ms} ms** per request for a token the isolate has verified before, the steady state (goal < ${GOALS.verify_ms} ms: ${verify.repeat_verify_ms < GOALS.verify_ms ? "met" : "missed"}); ${verify.first_sight_verify_ms} ms the first time an isolate sees a token (full ES256 verify); jose's jwtVerify alone ${verify.jose_verify_ms} ms.`,
  ].join("\n");
  console.log(md);
  if (SMOKE) return;
  writeResults(
    "http",
    { seconds: SECONDS, connections: CONNECTIONS, users: USERS, rows, latency, verify, overhead_p50_ms: overhead, middleware_p50_ms: mw },
    md,
  );
  writeChart("http", {
    title: "HTTP: requests per second per route (autocannon)",
    yLabel: "requests / s",
    categories: rows.map((r) => r.name),
    series: [{ name: "req/s", values: rows.map((r) => r.rps) }],
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
