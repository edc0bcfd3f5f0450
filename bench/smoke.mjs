// npm run bench:smoke (CI): each benchmark once at a tiny size, only to prove it still runs. Nothing is
// measured or written; a benchmark that throws (a route gone, a frame renamed) fails the smoke.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { root } from "./lib/stack.mjs";

const started = Date.now();
const failures = [];
for (const script of ["size.mjs", "http.mjs", "history.mjs", "fanout.mjs", "inbox.mjs", "sfu.mjs"]) {
  const t = Date.now();
  const result = spawnSync(process.execPath, [path.join(root, "bench", script), "--smoke"], { cwd: root, encoding: "utf8", timeout: 240_000 });
  const ok = result.status === 0;
  const why = result.signal
    ? ` (killed by ${result.signal}${result.error ? `: ${result.error.message}` : ""})`
    : result.status
      ? ` (exit ${result.status})`
      : "";
  console.log(`bench smoke: ${script} ${ok ? "ok" : `FAILED${why}`} in ${Math.round((Date.now() - t) / 1000)} s`);
  if (!ok) {
    failures.push(script);
    console.log(`${result.stdout ?? ""}`.slice(-3000));
    console.log(`${result.stderr ?? ""}`.slice(-3000));
  }
}
console.log(`bench smoke: ${failures.length === 0 ? "all ran" : `failed: ${failures.join(", ")}`} in ${Math.round((Date.now() - started) / 1000)} s`);
process.exit(failures.length === 0 ? 0 : 1);
