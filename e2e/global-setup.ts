import { startDevStack } from "../scripts/lib/stack-launcher.mjs";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    baseUrl: string;
    /** The stack's local SFU (scripts/sfu/), or null when it runs none. */
    sfuUrl: string | null;
    /** The stack's PERSIST_DIR and log file ("" when SC_BASE_URL reuses a running stack). */
    stateDir: string;
    logFile: string;
  }
}

/** Starts the real stack (`node scripts/dev.mjs`, what `npm run dev` runs) on a free port with fresh state. */
export default async function setup(project: TestProject) {
  const stack = await startDevStack({ statePrefix: "sc-e2e-", env: { E2E: "1" }, printLogsOnStop: Boolean(process.env.E2E_KEEP_LOGS) });
  project.provide("baseUrl", stack.baseUrl);
  project.provide("sfuUrl", stack.sfuUrl);
  project.provide("stateDir", stack.stateDir);
  project.provide("logFile", stack.logFile);
  return stack.stop;
}
