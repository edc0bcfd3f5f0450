import { defineConfig } from "vitest/config";

// The end-to-end suite runs in Node against a real `npm run dev` (all five workers, real service
// bindings, local D1/R2/KV/Queues/DOs), talking to it like any client: fetch, WebSocket, S3 PUT.
export default defineConfig({
  test: {
    include: ["e2e/**/*.e2e.test.ts"],
    globalSetup: ["./e2e/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    fileParallelism: false,
  },
});
