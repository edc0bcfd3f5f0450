// Builds and starts the local Realtime-compatible SFU (scripts/sfu/, TypeScript on werift) as a child
// process on 127.0.0.1. Shared by `npm run dev` (scripts/dev.mjs), the SFU's own tests and bench/sfu.mjs.
import { spawn } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const defaultRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
/** The app id the dev stack gives the calls worker (REALTIME_APP_ID) when it runs the local SFU. */
export const LOCAL_SFU_APP_ID = "local-sfu";
const START_TIMEOUT_MS = 20_000;

/**
 * Bundles scripts/sfu/main.ts (packages stay external, resolved from the tree's node_modules) into
 * the gitignored .wrangler/local-sfu/, one file per launching process so parallel stacks never share one.
 */
async function bundle(root) {
  const outDir = path.join(root, ".wrangler", "local-sfu");
  mkdirSync(outDir, { recursive: true });
  const outfile = path.join(outDir, `main-${process.pid}-${Date.now().toString(36)}.mjs`);
  await build({
    entryPoints: [path.join(root, "scripts", "sfu", "main.ts")],
    outfile,
    bundle: true,
    packages: "external",
    platform: "node",
    format: "esm",
    target: "node20",
    logLevel: "warning",
  });
  return outfile;
}

/**
 * @param {{ appSecret: string, appId?: string, port?: number, root?: string, hostAddresses?: string[], onLog?: (line: string) => void }} options
 * @returns {Promise<{ port: number, url: string, apiBase: string, appId: string, pid: number | undefined, stop: () => void }>}
 */
export async function startLocalSfu(options) {
  const root = options.root ?? defaultRoot;
  const appId = options.appId ?? LOCAL_SFU_APP_ID;
  const entry = await bundle(root);
  const child = spawn(process.execPath, [entry], {
    cwd: root,
    env: {
      ...process.env,
      LOCAL_SFU_APP_ID: appId,
      LOCAL_SFU_APP_SECRET: options.appSecret,
      LOCAL_SFU_PORT: String(options.port ?? 0),
      LOCAL_SFU_HOST_ADDRESSES: (options.hostAddresses ?? ["127.0.0.1"]).join(","),
    },
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  const log = options.onLog ?? ((line) => console.error(line));
  child.stderr?.on("data", (d) => log(String(d).trimEnd()));
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    child.kill("SIGTERM");
    rmSync(entry, { force: true });
  };
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the local SFU did not start in time")), START_TIMEOUT_MS);
    child.once("exit", (code) => reject(new Error(`the local SFU exited with ${code}`)));
    createInterface({ input: child.stdout }).on("line", (line) => {
      try {
        const message = JSON.parse(line);
        if (message.local_sfu === "listening") {
          clearTimeout(timer);
          resolve(message.port);
          return;
        }
      } catch {
        // not one of its status lines
      }
      log(line);
    });
  }).catch((err) => {
    stop();
    throw err;
  });
  const url = `http://127.0.0.1:${port}`;
  return { port, url, apiBase: `${url}/v1`, appId, pid: child.pid, stop };
}

/**
 * Whether `npm run dev` runs the local SFU: not when LOCAL_SFU=0, and not when the calls worker's
 * committed config already names a real Realtime app (REALTIME_APP_ID set) or uses RealtimeKit.
 * @returns {{ run: true } | { run: false, reason: string }}
 */
export function localSfuWanted(callsConfigText, env = process.env) {
  if (env.LOCAL_SFU === "0") return { run: false, reason: "LOCAL_SFU=0" };
  if (/^REALTIME_APP_ID = "[^"]+"$/m.test(callsConfigText)) return { run: false, reason: "REALTIME_APP_ID is configured (real Cloudflare Realtime)" };
  if (/^GROUP_CALL_PROVIDER = "realtimekit"$/m.test(callsConfigText)) return { run: false, reason: 'GROUP_CALL_PROVIDER = "realtimekit"' };
  return { run: true };
}
