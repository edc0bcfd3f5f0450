import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import path from "node:path";
import { defineConfig } from "vitest/config";
import { devSecrets } from "./scripts/lib/dev-secrets.mjs";

const secrets = devSecrets();
const migrations = await readD1Migrations(path.join(import.meta.dirname, "schema/migrations/d1"));

export default defineConfig({
  plugins: [
    cloudflareTest({
      main: "./test/harness/worker.ts",
      wrangler: { configPath: "./test/wrangler.test.toml" },
      miniflare: {
        // The harness is one worker, so it carries every worker's (test-only) secrets.
        bindings: { TEST_MIGRATIONS: migrations, ...secrets.auth, ...secrets.chat, ...secrets.calls, ...secrets.storage },
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
