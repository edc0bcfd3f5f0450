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
    // What a person waits for on a loaded machine (the app's live updates, a service worker's start):
    // expect.poll's own 1 s default made stories flaky under CI load.
    expect: { poll: { timeout: 15_000, interval: 100 } },
  },
});
