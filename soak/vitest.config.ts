import { defineConfig } from "vitest/config";

// The soak runs in Node against its own real stack (node scripts/dev.mjs of a HEAD snapshot), which it
// kills and restarts mid-run. SOAK_PROFILE=full (npm run soak) is the long run; the default is the small
// one wired into npm test (npm run test:soak).
export default defineConfig({
  test: {
    include: ["soak/**/*.test.ts"],
    testTimeout: 1_200_000,
    hookTimeout: 240_000,
    fileParallelism: false,
  },
});
