// Small statistics and output helpers shared by the benchmarks.
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { execSync } from "node:child_process";
import { root, sourceCommit } from "./stack.mjs";

/** Nearest-rank percentile of a numeric array (copied and sorted). */
export function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export function median(values) {
  return percentile(values, 50);
}

export function round(value, digits = 2) {
  if (!Number.isFinite(value)) return value;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Markdown table from a header row and rows of cells. */
export function table(header, rows) {
  const line = (cells) => `| ${cells.map((c) => String(c)).join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

export function machine() {
  let wranglerVersion = "";
  try {
    wranglerVersion =
      execSync(`${path.join(root, "node_modules/.bin/wrangler")} --version`, { encoding: "utf8" })
        .trim()
        .split("\n")
        .pop() ?? "";
  } catch {
    wranglerVersion = "unknown";
  }
  return {
    cpus: os.cpus().length,
    cpu_model: os.cpus()[0]?.model ?? "unknown",
    memory_gib: round(os.totalmem() / 2 ** 30, 1),
    node: process.version,
    wrangler: wranglerVersion,
    platform: `${os.platform()} ${os.release()}`,
    at: new Date().toISOString(),
    commit: sourceCommit(),
    load_average: os.loadavg().map((l) => round(l, 1)),
  };
}

/** Writes bench/results/<name>.json (raw figures) and bench/results/<name>.md (the tables). */
export function writeResults(name, data, markdown) {
  const dir = path.join(root, "bench", "results");
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, `${name}.json`), `${JSON.stringify({ machine: machine(), ...data }, null, 2)}\n`);
  writeFileSync(path.join(dir, `${name}.md`), `${markdown}\n`);
}

/** Parses `--key=value` / `--flag` arguments. */
export function args(argv = process.argv.slice(2)) {
  const out = {};
  for (const a of argv) {
    const m = /^--([^=]+)(?:=(.*))?$/.exec(a);
    if (m) out[m[1]] = m[2] ?? "true";
  }
  return out;
}
