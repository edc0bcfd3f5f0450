import { defineConfig } from "drizzle-kit";

// Postgres migrations, applied by scripts/migrate-pg.mjs (journal order, one transaction each).
export default defineConfig({
  dialect: "postgresql",
  schema: "./schema/pg/index.ts",
  out: "./schema/migrations/pg",
  strict: true,
  verbose: true,
  dbCredentials: { url: process.env.DATABASE_URL ?? "postgres://postgres:postgres@127.0.0.1:5432/secureconnect" },
});
