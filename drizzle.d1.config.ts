import { defineConfig } from "drizzle-kit";

// SQLite/D1 migrations: plain numbered .sql files, the format `wrangler d1 migrations apply` and
// vitest-pool-workers' readD1Migrations read (both ignore the meta/ folder drizzle-kit keeps).
export default defineConfig({
  dialect: "sqlite",
  schema: "./schema/sqlite/index.ts",
  out: "./schema/migrations/d1",
  strict: true,
  verbose: true,
});
