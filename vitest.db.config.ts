import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
import { devSecrets } from "./scripts/lib/dev-secrets.mjs";
// Brings in the ProvidedContext keys (pgUrl, pgSkipReason) the global setup declares.
import type {} from "./test/db/global-setup";

// The both-backends suite: runs test/db/** (repository contracts) and every `*.backends.ts` service
// test inside workerd with a local D1 and a Hyperdrive binding in local mode pointing at the
// Postgres database test/db/global-setup.ts migrated. The main suite (vitest.config.ts) has no
// Postgres, so those files use their own suffix.
export default defineConfig(async () => {
  const migrations = await readD1Migrations("schema/migrations/d1");
  return {
    plugins: [
      cloudflareTest(({ inject }) => ({
        wrangler: { configPath: "./test/db/wrangler.db.toml" },
        miniflare: {
          bindings: { TEST_MIGRATIONS: migrations, PG_SKIP_REASON: inject("pgSkipReason"), ...devSecrets().storage },
          hyperdrives: { HYPERDRIVE: inject("pgUrl") },
        },
      })),
    ],
    resolve: {
      // pg (CommonJS) does require("pg-protocol"); the workerd module fallback resolves that with
      // the "import" condition and gets pg-protocol's ESM wrapper, a .js file in a CommonJS
      // package, which fails to load. Point the bare name at the CommonJS build. Wrangler's
      // esbuild bundling (dev/deploy) resolves require() correctly and needs nothing.
      alias: {
        "pg-protocol": fileURLToPath(new URL("./node_modules/pg-protocol/dist/index.js", import.meta.url)),
        "pg-cloudflare": fileURLToPath(new URL("./node_modules/pg-cloudflare/dist/index.js", import.meta.url)),
      },
    },
    test: {
      include: ["test/db/**/*.test.ts", "test/**/backends/*.backends.ts"],
      globalSetup: ["test/db/global-setup.ts"],
      setupFiles: ["test/db/apply-migrations.ts"],
      testTimeout: 30_000,
    },
  };
});
