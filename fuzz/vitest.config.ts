import { defineConfig } from "vitest/config";

// The schema-driven fuzz runs in Node against its own real stack (node scripts/dev.mjs). FUZZ_RUNS
// sets the HTTP request budget (npm run test:fuzz: the small run; npm run fuzz: at least 10,000).
export default defineConfig({
  test: {
    include: ["fuzz/checker.test.ts", "fuzz/fuzz.test.ts"],
    testTimeout: 1_800_000,
    hookTimeout: 240_000,
    fileParallelism: false,
  },
});
