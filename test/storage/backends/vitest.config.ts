import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig, type ViteUserConfig } from "vitest/config";
import { devSecrets } from "../../../scripts/lib/dev-secrets.mjs";
import dbConfig from "../../../vitest.db.config";

/**
 * The storage service layer (quota race, lifecycle, cleanup, paging) on BOTH database backends:
 * `npx vitest run --config test/storage/backends/vitest.config.ts`. Reuses the data layer's db-test
 * setup (Postgres migration, pg aliases) and adds the R2 bucket and storage secrets. Files end in
 * `.backends.ts`, so the main suite (which has no Postgres) never picks them up.
 */
export default defineConfig(async (env) => {
  const base: ViteUserConfig = typeof dbConfig === "function" ? await dbConfig(env) : await dbConfig;
  const migrations = await readD1Migrations("schema/migrations/d1");
  return {
    ...base,
    plugins: [
      cloudflareTest(({ inject }) => ({
        wrangler: { configPath: "./test/storage/backends/wrangler.toml" },
        miniflare: {
          bindings: { TEST_MIGRATIONS: migrations, PG_SKIP_REASON: inject("pgSkipReason"), ...devSecrets().storage },
          hyperdrives: { HYPERDRIVE: inject("pgUrl") },
        },
      })),
    ],
    test: { ...base.test, include: ["test/storage/backends/**/*.backends.ts"] },
  };
});
