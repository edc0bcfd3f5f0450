import { env } from "cloudflare:workers";
import { describe } from "vitest";
import { getDb } from "../../lib/db";
import { repositoryContract } from "./contract";
import { dbTestEnv } from "./test-env";

const { DB } = dbTestEnv(env);

describe("repositories on D1", () => {
  repositoryContract(() => getDb({ DB_BACKEND: "d1", DB }));
});
