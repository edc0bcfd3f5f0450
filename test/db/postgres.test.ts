import { env } from "cloudflare:workers";
import { describe } from "vitest";
import { getDb } from "../../lib/db";
import { repositoryContract } from "./contract";
import { dbTestEnv } from "./test-env";

// Postgres through Hyperdrive's local mode: the HYPERDRIVE binding's connection string points at
// the database test/db/global-setup.ts migrated. The global setup already failed the run under
// CI=true if Postgres was unusable; elsewhere the suite is skipped and says why.
const { HYPERDRIVE, PG_SKIP_REASON } = dbTestEnv(env);

if (PG_SKIP_REASON) console.warn(`Postgres contract suite skipped: ${PG_SKIP_REASON}`);

describe.skipIf(PG_SKIP_REASON !== "")("repositories on Postgres (via Hyperdrive)", () => {
  repositoryContract(() => getDb({ DB_BACKEND: "postgres", HYPERDRIVE }));
});
