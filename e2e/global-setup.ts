import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { freePort } from "../scripts/lib/free-port.mjs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    baseUrl: string;
  }
}


async function waitForHealth(url: string, child: ChildProcess, deadlineMs: number): Promise<void> {
  while (Date.now() < deadlineMs) {
    if (child.exitCode !== null) throw new Error(`npm run dev exited with ${child.exitCode}`);
    try {
      const res = await fetch(`${url}/health`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error("npm run dev did not become healthy in time");
}

/** Starts the real stack (`node scripts/dev.mjs`, what `npm run dev` runs) on a free port with fresh state. */
export default async function setup(project: TestProject) {
  const port = await freePort();
  const stateDir = mkdtempSync(path.join(tmpdir(), "sc-e2e-"));
  const baseUrl = `http://127.0.0.1:${port}`;
  const output: string[] = [];
  const child = spawn(process.execPath, ["scripts/dev.mjs"], {
    cwd: path.resolve(import.meta.dirname, ".."),
    env: { ...process.env, PORT: String(port), PERSIST_DIR: stateDir, HOST: "127.0.0.1", E2E: "1" },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  child.stdout?.on("data", (d: Buffer) => output.push(d.toString()));
  child.stderr?.on("data", (d: Buffer) => output.push(d.toString()));
  const stop = () => {
    if (child.pid) {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        // already gone
      }
    }
    if (process.env.E2E_KEEP_LOGS) console.log(output.join(""));
    rmSync(stateDir, { recursive: true, force: true });
  };
  try {
    await waitForHealth(baseUrl, child, Date.now() + 150_000);
  } catch (err) {
    console.error(output.join("").slice(-5000));
    stop(); // never leave a stack running behind a failed start
    throw err;
  }
  project.provide("baseUrl", baseUrl);
  return stop;
}
