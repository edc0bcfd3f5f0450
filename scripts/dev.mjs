#!/usr/bin/env node
// `npm run dev`: the whole stack in one local `wrangler dev` with nothing to install or configure.
// 1. writes each worker's gitignored .dev.vars with local-only secrets on first run,
// 2. applies pending migrations (local D1, or Postgres when DB_BACKEND=postgres),
// 3. starts all five workers in one process from gitignored development copies of their configs
//    (ENVIRONMENT = "development", and DB_BACKEND; see scripts/lib/dev-configs.mjs); the gateway
//    listens on PORT (default 8787). The committed configs are production.
// 4. starts the local Realtime-compatible SFU (scripts/sfu/) on LOCAL_SFU_PORT (default: a free port)
//    and points the calls worker's development copy at it, unless LOCAL_SFU=0 or a real Realtime
//    app is configured (scripts/lib/local-sfu.mjs localSfuWanted). It stops with this process.
import { spawn, spawnSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { writeDevelopmentConfigs } from "./lib/dev-configs.mjs";
import { readDevVar, writeDevVars } from "./lib/dev-secrets.mjs";
import { localSfuWanted, startLocalSfu } from "./lib/local-sfu.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const WORKER_CONFIGS = ["wrangler.toml", ...["auth", "chat", "calls", "storage"].map((w) => `workers/${w}/wrangler.toml`)];
const PERSIST_DIR = process.env.PERSIST_DIR ?? ".wrangler/state";
const backend = process.env.DB_BACKEND ?? "d1";
const port = process.env.PORT ?? "8787";
const wrangler = path.join(root, "node_modules", ".bin", "wrangler");

/** Each worker's gitignored .dev.vars: its local-only secrets. */
function ensureDevVars() {
  for (const { file, keys } of writeDevVars(root)) console.log(`[dev] ${file}: added ${keys.join(", ")}`);
}

function run(cmd, args, env = process.env) {
  const result = spawnSync(cmd, args, { cwd: root, stdio: "inherit", env });
  if (result.status !== 0) {
    console.error(`[dev] failed: ${cmd} ${args.join(" ")}`);
    process.exit(result.status ?? 1);
  }
}

function migrate() {
  if (backend === "postgres") {
    if (!process.env.DATABASE_URL) {
      console.error("[dev] DB_BACKEND=postgres needs DATABASE_URL (postgres://user:pass@host:5432/db)");
      process.exit(1);
    }
    run(process.execPath, [path.join(root, "scripts", "migrate-pg.mjs")]);
    return;
  }
  run(wrangler, ["d1", "migrations", "apply", "secureconnect", "--local", "--persist-to", PERSIST_DIR, "-c", "workers/auth/wrangler.toml"], {
    ...process.env,
    CI: "true", // no interactive confirmation prompt
  });
}

/** The local SFU, if wanted: its address goes into the calls worker's development copy (a tag of its own per port, so parallel stacks never share a copy). */
async function localSfu() {
  const calls = "workers/calls/wrangler.toml";
  const wanted = localSfuWanted(readFileSync(path.join(root, calls), "utf8"));
  if (!wanted.run) {
    console.log(`[dev] local SFU off: ${wanted.reason}`);
    return { tag: backend, vars: {}, stop: () => undefined };
  }
  const appSecret = readDevVar(root, "calls", "REALTIME_APP_SECRET");
  if (!appSecret) throw new Error("workers/calls/.dev.vars has no REALTIME_APP_SECRET");
  const sfu = await startLocalSfu({ appSecret, port: Number(process.env.LOCAL_SFU_PORT ?? 0), root, onLog: (line) => console.error(line) });
  console.log(`[dev] local SFU at ${sfu.url} (GET ${sfu.url}/stats; LOCAL_SFU=0 turns it off)`);
  return { tag: `${backend}-sfu${sfu.port}`, vars: { [calls]: { REALTIME_API_BASE: sfu.apiBase, REALTIME_APP_ID: sfu.appId } }, stop: sfu.stop };
}

ensureDevVars();
migrate();
run(process.execPath, [path.join(root, "app", "build.mjs")]); // the web app served at /app/ (the storage worker's [assets])

const sfu = await localSfu();
const configs = writeDevelopmentConfigs(root, WORKER_CONFIGS, { backend, tag: sfu.tag, vars: sfu.vars });
const args = ["dev", ...configs.flatMap((c) => ["-c", c]), "--port", port, "--persist-to", PERSIST_DIR, "--show-interactive-dev-session=false"];
if (process.env.HOST) args.push("--ip", process.env.HOST);
// Launchers running several stacks at once give each its own inspector port (wrangler otherwise takes 9229 when it looks free, and two starting together clash).
if (process.env.INSPECTOR_PORT) args.push("--inspector-port", process.env.INSPECTOR_PORT);
const env = {
  ...process.env,
  // Hyperdrive's local mode: the binding connects straight to this Postgres. With D1 selected the
  // binding is unused, but wrangler still wants a connection string for it.
  CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_HYPERDRIVE: process.env.DATABASE_URL ?? "postgres://unused:unused@127.0.0.1:9/unused",
};
const child = spawn(wrangler, args, { cwd: root, stdio: "inherit", env });
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code) => {
  sfu.stop();
  // A per-port copy is this run's alone; the plain ones are kept (rewritten only when they change).
  if (sfu.tag !== backend) for (const copy of configs) rmSync(path.join(root, copy), { force: true });
  process.exit(code ?? 0);
});
