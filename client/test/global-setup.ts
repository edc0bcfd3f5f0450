import type { TestProject } from "vitest/node";
import startStack from "../../e2e/global-setup";

/**
 * The real stack, started like the e2e suite does (`node scripts/dev.mjs`, free port, fresh state).
 * SC_BASE_URL=http://127.0.0.1:8787 reuses a stack that is already running (faster local iterations);
 * SC_SFU_URL then names its local SFU (npm run dev prints it).
 */
export default async function setup(project: TestProject) {
  const reuse = process.env.SC_BASE_URL;
  if (reuse) {
    project.provide("baseUrl", reuse);
    project.provide("sfuUrl", process.env.SC_SFU_URL ?? null);
    project.provide("stateDir", process.env.SC_STATE_DIR ?? "");
    project.provide("logFile", process.env.SC_LOG_FILE ?? "");
    return undefined;
  }
  return startStack(project);
}
