// Starts the local stack for a benchmark: the same steps as scripts/dev.mjs (dev secrets, local D1
// migrations, one multi-config `wrangler dev`), on a free port with fresh state in a temp dir.
// `startBaseline()` runs the PartyServer baseline (bench/baseline) in its own `wrangler dev`: see
// bench/RESULTS.md for why it cannot share the stack's workerd under wrangler 4.86.
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { writeDevelopmentConfigs } from "../../scripts/lib/dev-configs.mjs";
import { DEV_VARS_DIRS, writeDevVars } from "../../scripts/lib/dev-secrets.mjs";
import { freePort } from "../../scripts/lib/free-port.mjs";
import { isHealthy } from "../../scripts/lib/stack-launcher.mjs";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
export const STACK_CONFIGS = ["wrangler.toml", ...["auth", "chat", "calls", "storage"].map((w) => `workers/${w}/wrangler.toml`)];
const wrangler = path.join(root, "node_modules", ".bin", "wrangler");

/**
 * What the benchmarks run: by default a snapshot of the committed HEAD (git archive into a temp dir,
 * node_modules and the local .dev.vars linked/copied in), because `wrangler dev` reloads on every
 * source change and closes every socket, and several people edit this tree at once. BENCH_REF=<commit>
 * snapshots that commit instead (a before/after pair); BENCH_SOURCE=live runs the working tree.
 */
let snapshotDir;
let snapshotCommit;
export function sourceDir() {
  if (process.env.BENCH_SOURCE === "live") return root;
  if (snapshotDir) return snapshotDir;
  const ref = process.env.BENCH_REF ?? "HEAD";
  const head = spawnSync("git", ["rev-parse", "--short", "--verify", `${ref}^{commit}`], { cwd: root, encoding: "utf8" }).stdout.trim();
  if (!head) throw new Error(`BENCH_REF ${ref} is not a commit`);
  const dir = path.join(tmpdir(), `sc-bench-src-${head}-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const archive = spawnSync("sh", ["-c", `git archive --format=tar ${head} | tar -x -C '${dir}'`], { cwd: root, encoding: "utf8" });
  if (archive.status !== 0) throw new Error(`git archive failed: ${archive.stderr}`);
  symlinkSync(path.join(root, "node_modules"), path.join(dir, "node_modules"));
  ensureDevVars();
  for (const folder of Object.values(DEV_VARS_DIRS)) {
    const vars = path.join(root, folder, ".dev.vars");
    if (existsSync(vars)) copyFileSync(vars, path.join(dir, folder, ".dev.vars"));
  }
  // As scripts/dev.mjs does: the built web app is the storage worker's [assets], served at /app/.
  if (existsSync(path.join(dir, "app", "build.mjs"))) {
    const built = spawnSync(process.execPath, [path.join(dir, "app", "build.mjs")], { cwd: dir, encoding: "utf8" });
    if (built.status !== 0) throw new Error(`app build failed: ${built.stderr}`);
  }
  process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
  snapshotDir = dir;
  snapshotCommit = head;
  return dir;
}

/** The commit the stack runs: the snapshot's (HEAD may have moved since it was taken), or HEAD + working tree. */
export function sourceCommit() {
  if (snapshotCommit && process.env.BENCH_SOURCE !== "live") return snapshotCommit;
  const head = spawnSync("git", ["rev-parse", "--short", "HEAD"], { cwd: root, encoding: "utf8" }).stdout.trim();
  return process.env.BENCH_SOURCE === "live" ? `${head} + working tree` : head;
}

/** Same files as scripts/dev.mjs (one writer): an existing .dev.vars keeps its values and gains missing keys. */
function ensureDevVars() {
  writeDevVars(root);
}

function migrate(persistDir) {
  const result = spawnSync(
    wrangler,
    ["d1", "migrations", "apply", "secureconnect", "--local", "--persist-to", persistDir, "-c", "workers/auth/wrangler.toml"],
    {
      cwd: sourceDir(),
      env: { ...process.env, CI: "true" },
      encoding: "utf8",
    },
  );
  if (result.status !== 0) throw new Error(`d1 migrations failed:\n${result.stdout}\n${result.stderr}`);
}

async function waitForHealth(url, child, output, deadlineMs) {
  while (Date.now() < deadlineMs) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with ${child.exitCode}\n${output.join("").slice(-4000)}`);
    if (await isHealthy(url)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`stack did not become healthy in time\n${output.join("").slice(-4000)}`);
}

const RATELIMIT_BLOCK = /^\[\[ratelimits\]\]\s*\n((?:[^\[\n][^\n]*\n?)*)/gm;

/**
 * wrangler 4.86 binds `[[ratelimits]]` only in the FIRST worker of a multi-config `wrangler dev`; in
 * the others the binding is undefined (so, e.g., register answers 500). For every later config that
 * declares one, this writes a gitignored sibling copy in which each ratelimit binding becomes a
 * service binding to bench/shims/ratelimit (same limit per period per key). Returns the configs to
 * run and whether the shim is needed.
 */
function withRateLimitShim(configs) {
  let needed = false;
  const out = configs.map((config, index) => {
    const source = readFileSync(path.join(sourceDir(), config), "utf8");
    if (index === 0 || !RATELIMIT_BLOCK.test(source)) return config;
    RATELIMIT_BLOCK.lastIndex = 0;
    needed = true;
    const replaced = source.replace(RATELIMIT_BLOCK, (_block, body) => {
      const name = /name\s*=\s*"([^"]+)"/.exec(body)?.[1];
      const namespace = /namespace_id\s*=\s*"([^"]+)"/.exec(body)?.[1] ?? "0";
      const limit = Number(/limit\s*=\s*(\d+)/.exec(body)?.[1] ?? "0");
      const period = Number(/period\s*=\s*(\d+)/.exec(body)?.[1] ?? "60");
      if (!name) throw new Error(`unreadable [[ratelimits]] block in ${config}`);
      return `[[services]]\nbinding = "${name}"\nservice = "secureconnect-bench-ratelimit"\nentrypoint = "RateLimit"\nprops = { namespace = "${namespace}", limit = ${limit}, period = ${period} }\n`;
    });
    const copy = path.join(path.dirname(config), ".wrangler-dev.bench.toml");
    writeFileSync(path.join(sourceDir(), copy), replaced);
    return copy;
  });
  return needed ? [...out, "bench/shims/ratelimit/wrangler.toml"] : out;
}

/** The whole stack as `npm run dev` runs it (gateway first), fresh state, free port. */
export async function startStack(options = {}) {
  ensureDevVars();
  const persistDir = options.persistDir ?? mkdtempSync(path.join(tmpdir(), "sc-bench-"));
  migrate(persistDir);
  // Development copies (ENVIRONMENT, scripts/lib/dev-configs.mjs), as npm run dev runs: the committed configs are production.
  return startWrangler(withRateLimitShim(writeDevelopmentConfigs(sourceDir(), STACK_CONFIGS, { tag: "bench-dev" })), persistDir, {
    ...options,
    keepState: options.persistDir !== undefined,
  });
}

/** The broadcast-only PartyServer room, same wrangler and workerd version and flags, its own process. */
export async function startBaseline(options = {}) {
  const persistDir = mkdtempSync(path.join(tmpdir(), "sc-bench-baseline-"));
  return startWrangler(["bench/baseline/wrangler.toml"], persistDir, options);
}

/**
 * @param {string[]} configs
 * @param {string} persistDir
 * @param {{ logLevel?: string, keepState?: boolean }} options (keepState: the caller owns persistDir)
 * @returns {Promise<{ url: string, startupMs: number, output: string[], persistDir: string, stop: () => Promise<void> }>}
 */
async function startWrangler(configs, persistDir, options) {
  const [port, inspectorPort] = [await freePort(), await freePort()];
  const args = [
    "dev",
    ...configs.flatMap((c) => ["-c", c]),
    "--port",
    String(port),
    // Its own inspector port: the stack and the baseline run side by side, and wrangler would give both 9229.
    "--inspector-port",
    String(inspectorPort),
    "--ip",
    "127.0.0.1",
    "--persist-to",
    persistDir,
    "--show-interactive-dev-session=false",
    // Request logging by wrangler itself is not part of what we measure; the workers' own logs still print.
    "--log-level",
    options.logLevel ?? "warn",
  ];
  const started = Date.now();
  const child = spawn(wrangler, args, {
    cwd: sourceDir(),
    env: { ...process.env, CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_HYPERDRIVE: "postgres://unused:unused@127.0.0.1:9/unused" },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  // A benchmark killed midway (timeout, Ctrl-C) must not leave its wrangler/workerd behind.
  const killGroup = () => {
    try {
      if (child.pid) process.kill(-child.pid, "SIGKILL");
    } catch {
      // already gone
    }
  };
  process.on("exit", killGroup);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) if (process.listenerCount(signal) === 0) process.once(signal, () => process.exit(128 + 2));
  const output = [];
  const keep = (d) => {
    output.push(d.toString());
    if (output.length > 400) output.splice(0, output.length - 400);
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  const url = `http://127.0.0.1:${port}`;
  await waitForHealth(url, child, output, Date.now() + 180_000);
  const startupMs = Date.now() - started;
  const stop = async () => {
    if (child.exitCode === null && child.pid) {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        // already gone
      }
      await new Promise((r) => {
        const timer = setTimeout(r, 5000);
        child.once("exit", () => {
          clearTimeout(timer);
          r(undefined);
        });
      });
    }
    if (!options.keepState) rmSync(persistDir, { recursive: true, force: true });
  };
  /** The workerd process of this stack (a descendant of the wrangler we started). */
  const workerdPid = () => {
    const pending = [child.pid];
    while (pending.length > 0) {
      const pid = pending.pop();
      let cmd = "";
      try {
        cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      } catch {
        continue;
      }
      if (cmd.includes("workerd") && cmd.includes("serve") && cmd.includes("--inspector-addr")) return pid;
      try {
        const children = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim();
        if (children) pending.push(...children.split(/\s+/).map(Number));
      } catch {
        // process gone
      }
    }
    return null;
  };
  /** workerd's own inspector (every worker is a target there; wrangler's proxy shows only the first): one of its listening ports. */
  const workerdInspector = () => {
    const pid = workerdPid();
    if (!pid) return [];
    const listening = spawnSync("ss", ["-ltnpH"], { encoding: "utf8" }).stdout ?? "";
    return listening
      .split("\n")
      .filter((line) => line.includes(`pid=${pid},`))
      .map((line) => line.trim().split(/\s+/)[3]?.split(":").pop())
      .filter((port) => port && port !== String(new URL(url).port));
  };
  return { url, startupMs, output, persistDir, stop, workerdInspector, workerdPid };
}
