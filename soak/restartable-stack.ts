import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort } from "../scripts/lib/free-port.mjs";
import { isHealthy, snapshotOfHead } from "../scripts/lib/stack-launcher.mjs";

/**
 * The real stack (`node scripts/dev.mjs`, what `npm run dev` runs) that can be killed and started
 * again on the same port with the same PERSIST_DIR: the way the soak restarts every ConversationRoom
 * without a fake. The Durable Objects' SQLite files, D1, KV and the workers' .dev.vars (signing keys)
 * stay on disk, so tokens stay valid and acknowledged messages must still be there; every socket drops.
 *
 * scripts/lib/stack-launcher.mjs starts a stack once on a fresh port and state dir; this one reuses
 * its free-port and HEAD-snapshot helpers and adds the restart. It runs a snapshot of the committed
 * HEAD (not the live tree): `wrangler dev` reloads on every source edit and drops every connection,
 * and others edit the tree during a run.
 */
export class RestartableStack {
  private child: ChildProcess | null = null;
  private output: string[] = [];
  /** Stack starts after the first one. */
  restarts = 0;

  private constructor(
    readonly baseUrl: string,
    private readonly port: number,
    private readonly stateDir: string,
    private readonly source: { dir: string; remove: () => void },
  ) {}

  static async start(): Promise<RestartableStack> {
    const port = await freePort();
    const stateDir = mkdtempSync(path.join(tmpdir(), "sc-soak-state-"));
    const stack = new RestartableStack(`http://127.0.0.1:${port}`, port, stateDir, snapshotOfHead());
    try {
      await stack.launch();
    } catch (err) {
      await stack.stop();
      throw err;
    }
    return stack;
  }

  /** Kills the whole process group at once (a crash: no graceful shutdown), then starts it again. */
  async restart(): Promise<void> {
    await this.kill("SIGKILL");
    this.restarts += 1;
    await this.launch();
  }

  /** Stops the stack and removes its state and source snapshot; safe to call twice. */
  async stop(): Promise<void> {
    await this.kill("SIGTERM");
    rmSync(this.stateDir, { recursive: true, force: true });
    this.source.remove();
  }

  /** The last lines the stack printed (for a failure message). */
  tail(chars = 4000): string {
    return this.output.join("").slice(-chars);
  }

  /**
   * Each launch takes a free inspector port, but another process can still bind it (or the port)
   * between our probe and workerd's bind: the start then fails at once and is retried.
   */
  private async launch(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.launchOnce();
      } catch (err) {
        const portRace = /Address already in use/.test(this.tail());
        await this.kill("SIGKILL");
        if (!portRace || attempt >= 4) throw err;
        this.output = [];
        await sleep(1_000 * attempt);
      }
    }
  }

  private async launchOnce(): Promise<void> {
    const child = spawn(process.execPath, ["scripts/dev.mjs"], {
      cwd: this.source.dir,
      env: { ...process.env, PORT: String(this.port), INSPECTOR_PORT: String(await freePort()), PERSIST_DIR: this.stateDir, HOST: "127.0.0.1" },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true, // its own process group: one signal reaches wrangler and workerd too
    });
    this.child = child;
    const keep = (chunk: Buffer) => {
      this.output.push(chunk.toString());
      if (this.output.length > 400) this.output = this.output.slice(-200);
    };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    const deadline = Date.now() + 150_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`scripts/dev.mjs exited with ${child.exitCode}:\n${this.tail()}`);
      if (await isHealthy(this.baseUrl)) return;
      await sleep(300);
    }
    throw new Error(`the stack did not become healthy in 150 s:\n${this.tail()}`);
  }

  private async kill(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child?.pid) return;
    const exited = child.exitCode !== null ? Promise.resolve() : new Promise<void>((resolve) => child.once("exit", () => resolve()));
    try {
      process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
    await Promise.race([exited, sleep(10_000)]);
    // workerd is a grandchild: wait until nothing listens on the port any more (bounded).
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && (await listening(this.port))) await sleep(100);
    if (await listening(this.port)) {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  }
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
