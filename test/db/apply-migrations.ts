import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { dbTestEnv } from "./test-env";

// Setup file (runs inside workerd before each test file): bring the local D1 to the current
// schema with the same migration files `wrangler d1 migrations apply` uses. Already-applied
// migrations are skipped, so this is cheap after the first file.
const bindings = dbTestEnv(env);
await applyD1Migrations(bindings.DB, bindings.TEST_MIGRATIONS);
