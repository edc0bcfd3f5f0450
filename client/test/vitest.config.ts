import { defineConfig } from "vitest/config";

// Client SDK tests: Node + the `ws` package against a real `npm run dev`, through a TCP proxy that
// can cut or black-hole connections the way a bad network does.
export default defineConfig({
  test: {
    include: ["client/test/**/*.test.ts"],
    globalSetup: ["./client/test/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    fileParallelism: false,
  },
});
