import { defineConfig } from "vitest/config";

// The local SFU's own suite: Node, werift endpoints on loopback against the SFU process
// (scripts/lib/local-sfu.mjs), no wrangler stack. npm run test:sfu.
export default defineConfig({
  test: {
    include: ["scripts/sfu/test/**/*.test.ts"],
    testTimeout: 90_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
