import { defineConfig, type ViteUserConfig } from "vitest/config";
import dbConfig from "../../../vitest.db.config";

/**
 * The key directory's service layer on BOTH backends (D1 and Postgres through Hyperdrive's local
 * mode), reusing the data layer's db-test setup (bindings, Postgres migration, pg aliases) and
 * only swapping which files run: `npx vitest run --config test/keys/backends/vitest.config.ts`.
 * These files end in `.backends.ts`, so the main suite (which has no Postgres) never picks them up.
 */
export default defineConfig(async (env) => {
  const base: ViteUserConfig = typeof dbConfig === "function" ? await dbConfig(env) : await dbConfig;
  return { ...base, test: { ...base.test, include: ["test/keys/backends/**/*.backends.ts"] } };
});
