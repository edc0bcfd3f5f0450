import { rmSync } from "node:fs";
import path from "node:path";

/** Global setup: no screenshots left over from an earlier run (once per run, so every file's stay). */
export default function clearArtifacts(): void {
  rmSync(path.resolve(import.meta.dirname, "..", "test-results", "browser"), { recursive: true, force: true });
}
