// npm run bench: every benchmark at full size, one after the other (each starts its own stack), then
// the figures are in bench/results/*.md|json and the charts in bench/charts/*.svg (see bench/RESULTS.md).
import { spawnSync } from "node:child_process";
import path from "node:path";
import { root } from "./lib/stack.mjs";

const extra = process.argv.slice(2);
let failed = 0;
for (const script of ["size.mjs", "http.mjs", "history.mjs", "fanout.mjs", "inbox.mjs", "sfu.mjs"]) {
  console.log(`\n== bench/${script}`);
  const result = spawnSync(process.execPath, [path.join(root, "bench", script), ...extra], { cwd: root, stdio: "inherit" });
  if (result.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
