// The client SDK's quick start (client/examples/quick-start.ts, shown in client/README.md) runs as the README says,
// in its own Node process against the real stack: it must print the received message and exit 0 on its own.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, inject, it } from "vitest";

const root = path.resolve(import.meta.dirname, "..");
/** The command client/README.md gives, word for word. */
const QUICK_START_COMMAND =
  "npx esbuild client/examples/quick-start.ts --bundle --platform=node --format=esm --packages=external --log-level=warning | node --input-type=module";
/** Well below the test timeout, so a script that never exits fails here with its output rather than as a bare timeout. */
const EXIT_WITHIN_MS = 30_000;

function runQuickStart(baseUrl: string): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("sh", ["-c", QUICK_START_COMMAND], { cwd: root, env: { ...process.env, SC_BASE_URL: baseUrl }, detached: true });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    // The whole process group: the shell, esbuild and node.
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
    }, EXIT_WITHIN_MS);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

describe("the client quick start", () => {
  it("is shown in client/README.md as it is, with the command that runs it", ({ expect }) => {
    const readme = readFileSync(path.join(root, "client/README.md"), "utf8");
    expect(readme).toContain("```ts\n" + readFileSync(path.join(root, "client/examples/quick-start.ts"), "utf8") + "```");
    expect(readme).toContain(QUICK_START_COMMAND);
  });

  it("signs up two users, delivers a message over the live connection, and exits 0", async ({ expect }) => {
    const result = await runQuickStart(inject("baseUrl"));
    expect(result, result.stderr).toMatchObject({ code: 0, signal: null });
    expect(result.stdout).toMatch(/^bob received #1 from ada: Hello, Bob!$/m);
  });
});
