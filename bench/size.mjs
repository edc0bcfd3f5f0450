// bench:size — every worker's bundle, raw and gzipped (`wrangler deploy --dry-run --outdir`, offline),
// what fills it (esbuild metafile, by package), and its start-up time (`wrangler check startup`:
// a CPU profile of the isolate evaluating the bundle in local workerd; we report the busy time).
//
//   node bench/size.mjs [--workers=gateway,auth] [--no-startup] [--smoke]
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { writeChart } from "./lib/chart.mjs";
import { root, sourceDir } from "./lib/stack.mjs";
import { args, round, table, writeResults } from "./lib/stats.mjs";

const opts = args();
const SMOKE = opts.smoke === "true";
const GOAL_KIB = 150;
const ALL = {
  gateway: "wrangler.toml",
  auth: "workers/auth/wrangler.toml",
  chat: "workers/chat/wrangler.toml",
  calls: "workers/calls/wrangler.toml",
  storage: "workers/storage/wrangler.toml",
};
const names = (opts.workers ?? (SMOKE ? "gateway" : Object.keys(ALL).join(","))).split(",");
const STARTUP = opts["no-startup"] !== "true";
const wrangler = path.join(root, "node_modules", ".bin", "wrangler");
const outRoot = path.join(root, "bench", "out", "size");

function run(argv) {
  const result = spawnSync(wrangler, argv, { cwd: sourceDir(), encoding: "utf8", env: { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false" } });
  if (result.status !== 0) throw new Error(`wrangler ${argv.join(" ")} failed:\n${result.stdout}\n${result.stderr}`);
  return `${result.stdout}\n${result.stderr}`;
}

/** Bytes each package (or our own source folder) contributes to the output bundle. */
function contributors(metafile) {
  const meta = JSON.parse(readFileSync(metafile, "utf8"));
  const byOwner = new Map();
  for (const output of Object.values(meta.outputs)) {
    for (const [input, info] of Object.entries(output.inputs ?? {})) {
      const nm = input.lastIndexOf("node_modules/");
      let owner;
      if (nm >= 0) {
        const parts = input.slice(nm + 13).split("/");
        owner = parts[0].startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0];
      } else {
        owner = input
          .replace(/^(\.\.\/)+/, "")
          .split("/")
          .slice(0, 2)
          .join("/");
      }
      byOwner.set(owner, (byOwner.get(owner) ?? 0) + info.bytesInOutput);
    }
  }
  return [...byOwner.entries()].sort((a, b) => b[1] - a[1]);
}

/** Busy (non-idle) time of the start-up CPU profile, in ms (`check startup` wants a multipart bundle). */
function startupMs(config, name) {
  const bundle = path.join(outRoot, `${name}.bundle`);
  run(["deploy", "--dry-run", "--outfile", bundle, "-c", config]);
  const profile = path.join(outRoot, `${name}.cpuprofile`);
  run(["check", "startup", "--worker", bundle, "--outfile", profile]);
  const p = JSON.parse(readFileSync(profile, "utf8"));
  const idle = new Set(p.nodes.filter((n) => ["(idle)", "(program)"].includes(n.callFrame.functionName)).map((n) => n.id));
  let busyUs = 0;
  for (let i = 0; i < p.samples.length; i++) if (!idle.has(p.samples[i])) busyUs += p.timeDeltas[i + 1] ?? 0;
  return round(busyUs / 1000, 1);
}

const rows = [];
mkdirSync(outRoot, { recursive: true });
for (const name of names) {
  const config = ALL[name];
  if (!config) throw new Error(`unknown worker ${name}`);
  const outdir = path.join(outRoot, name);
  rmSync(outdir, { recursive: true, force: true });
  const metafile = path.join(outRoot, `${name}.meta.json`);
  const printed = run(["deploy", "--dry-run", "--outdir", outdir, "--metafile", metafile, "-c", config]);
  const bundle = path.join(outdir, "index.js");
  const raw = readFileSync(bundle);
  const gzip = gzipSync(raw, { level: 9 }).length;
  const reported = /Total Upload:\s*([\d.]+) KiB \/ gzip:\s*([\d.]+) KiB/.exec(printed);
  const top = contributors(metafile).slice(0, 6);
  const row = {
    worker: name,
    raw_kib: round(raw.length / 1024, 1),
    gzip_kib: round(gzip / 1024, 1),
    wrangler_gzip_kib: reported ? Number(reported[2]) : null,
    goal_met: (reported ? Number(reported[2]) : gzip / 1024) < GOAL_KIB,
    top: top.map(([owner, bytes]) => ({ owner, kib: round(bytes / 1024, 1) })),
    startup_ms: STARTUP && !SMOKE ? startupMs(config, name) : null,
  };
  rows.push(row);
  console.log(`[size] ${name}: ${row.raw_kib} KiB raw, ${row.wrangler_gzip_kib ?? row.gzip_kib} KiB gzip, startup ${row.startup_ms ?? "-"} ms`);
}

const md = [
  `Goal: every worker under ${GOAL_KIB} KiB gzipped (the figure wrangler prints as "Total Upload … / gzip").`,
  "",
  table(
    ["worker", "raw KiB", "gzip KiB (wrangler)", "gzip -9 KiB (ours)", "vs goal", "start-up busy ms", "largest contributors (KiB raw)"],
    rows.map((r) => {
      const g = r.wrangler_gzip_kib ?? r.gzip_kib;
      const delta = g - GOAL_KIB;
      return [
        r.worker,
        r.raw_kib,
        r.wrangler_gzip_kib ?? "-",
        r.gzip_kib,
        delta < 0 ? `met (${round(-delta, 1)} under)` : `**missed by ${round(delta, 1)} KiB (${round((delta / GOAL_KIB) * 100, 0)}%)**`,
        r.startup_ms ?? "-",
        r.top.map((t) => `${t.owner} ${t.kib}`).join(", "),
      ];
    }),
  ),
].join("\n");
console.log(md);
if (!SMOKE) {
  writeResults("size", { goal_kib: GOAL_KIB, workers: rows }, md);
  writeChart("size", {
    title: "Worker bundle size, gzipped (goal < 150 KiB)",
    yLabel: "KiB gzipped",
    categories: rows.map((r) => r.worker),
    series: [{ name: "gzip KiB", values: rows.map((r) => r.wrangler_gzip_kib ?? r.gzip_kib) }],
    line: { value: GOAL_KIB, label: "goal 150 KiB" },
  });
}
