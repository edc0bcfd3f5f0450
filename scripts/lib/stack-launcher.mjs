// Starts the real stack (`node scripts/dev.mjs`, what `npm run dev` runs) on a free port with fresh
// state in a temp dir, in its own process group so that stopping it also stops wrangler and workerd.
// Shared by the e2e suite's global setup and the fuzz suite.
import { spawn, spawnSync } from "node:child_process";
import { appendFileSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "./free-port.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

/**
 * A copy of the committed HEAD in a temp dir (node_modules linked): `wrangler dev` reloads on every
 * source change and drops every connection, and several people edit this tree at once, so a long
 * run against the live tree sees resets that are not the stack's fault. `ref` picks another commit
 * (to show what the fuzz finds before a fix). Returns the dir and a remover.
 */
export function snapshotOfHead(ref = "HEAD") {
  if (!/^[A-Za-z0-9._\/~^-]+$/.test(ref)) throw new Error(`not a git ref: ${ref}`);
  const dir = mkdtempSync(path.join(tmpdir(), "sc-src-"));
  const archive = spawnSync("sh", ["-c", `git archive --format=tar '${ref}' | tar -x -C '${dir}'`], { cwd: root, encoding: "utf8" });
  if (archive.status !== 0) throw new Error(`git archive failed: ${archive.stderr}`);
  symlinkSync(path.join(root, "node_modules"), path.join(dir, "node_modules"));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** One liveness probe, bounded: wrangler's proxy can accept a connection and hold it while its workerd never comes up. */
export async function isHealthy(url) {
  try {
    const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(5_000) });
    return res.ok;
  } catch {
    return false; // not listening yet, or no answer in time
  }
}

async function waitForHealth(url, child, deadlineMs) {
  while (Date.now() < deadlineMs) {
    if (child.exitCode !== null) throw new Error(`npm run dev exited with ${child.exitCode}`);
    if (await isHealthy(url)) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error("npm run dev did not become healthy in time");
}

/**
 * @param {{ statePrefix?: string, env?: Record<string, string>, timeoutMs?: number, printLogsOnStop?: boolean, sourceDir?: string }} [options]
 * @returns {Promise<{ baseUrl: string, sfuUrl: string | null, output: string[], stateDir: string, logFile: string, stop: () => void }>}
 */
export async function startDevStack(options = {}) {
  const [port, inspectorPort, sfuPort] = [await freePort(), await freePort(), await freePort()];
  const stateDir = mkdtempSync(path.join(tmpdir(), options.statePrefix ?? "sc-stack-"));
  const baseUrl = `http://127.0.0.1:${port}`;
  const output = [];
  const child = spawn(process.execPath, ["scripts/dev.mjs"], {
    cwd: options.sourceDir ?? root,
    env: {
      ...process.env,
      ...options.env,
      PORT: String(port),
      INSPECTOR_PORT: String(inspectorPort),
      LOCAL_SFU_PORT: String(sfuPort),
      PERSIST_DIR: stateDir,
      HOST: "127.0.0.1",
    },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  // Also kept in a file beside the state, so a test in another process can search the stack's logs (issue 19's leak search).
  const logFile = path.join(stateDir, "dev-server.log");
  let stopped = false;
  const keep = (d) => {
    output.push(d.toString());
    if (!stopped) appendFileSync(logFile, d); // after stop the state directory (and the file) is gone
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const stop = () => {
    if (stopped) return;
    stopped = true;
    if (child.pid) {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        // already gone
      }
    }
    if (options.printLogsOnStop) console.log(output.join(""));
    rmSync(stateDir, { recursive: true, force: true });
  };
  try {
    await waitForHealth(baseUrl, child, Date.now() + (options.timeoutMs ?? 150_000));
  } catch (err) {
    console.error(output.join("").slice(-5000));
    stop(); // never leave a stack running behind a failed start
    throw err;
  }
  // scripts/dev.mjs says on its output whether it started the local SFU (on the port given above).
  const sfuUrl = output.join("").includes(`[dev] local SFU at http://127.0.0.1:${sfuPort}`) ? `http://127.0.0.1:${sfuPort}` : null;
  return { baseUrl, sfuUrl, output, stateDir, logFile, stop };
}
