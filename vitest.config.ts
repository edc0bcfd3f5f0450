import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import path from "node:path";
import { defineConfig } from "vitest/config";

const migrations = await readD1Migrations(path.join(import.meta.dirname, "schema/migrations/d1"));

export default defineConfig({
  plugins: [
    cloudflareTest({
      main: "./test/harness/worker.ts",
      wrangler: { configPath: "./test/wrangler.test.toml" },
      miniflare: {
        bindings: { TEST_MIGRATIONS: migrations },
      },
    }),
  ],
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["test/db/**", "test/e2e/**"],
    setupFiles: ["./test/setup/apply-migrations.ts"],
    testTimeout: 30_000,
  },
});
