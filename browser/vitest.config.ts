import { defineConfig } from "vitest/config";

// Browser tests: Playwright (playwright-core) drives Debian's Chromium headless against the web app
// served by a real `npm run dev` at /app/ (started by the shared global setup on a free port).
export default defineConfig({
  test: {
    include: ["browser/**/*.browser.test.ts"],
    globalSetup: ["./browser/clear-artifacts.ts", "./client/test/global-setup.ts"],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    fileParallelism: false,
  },
});
