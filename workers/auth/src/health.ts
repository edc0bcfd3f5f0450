import { missingConfig, type HealthCheck, type ServiceHealth } from "../../../lib/contracts/health";
import { AppError } from "../../../lib/errors";
import { describeError, log } from "../../../lib/log";
import type { RpcContext } from "../../../lib/rpc";
import { keyRing } from "./keys";
import { withRepos } from "./repos";

const REQUIRED_SECRETS = ["JWT_SIGNING_KEYS"] as const;

/** The auth worker is healthy when its signing key ring is present and parses; plus the database. */
export async function authHealth(env: AuthEnv, rpc: RpcContext): Promise<ServiceHealth> {
  return { service: await signingHealth(env, rpc), database: await databaseHealth(env, rpc) };
}

/** A cheap indexed read; the reason given is generic (driver messages can carry SQL), the log has it. */
async function databaseHealth(env: AuthEnv, rpc: RpcContext): Promise<HealthCheck> {
  try {
    await withRepos(env, (repos) => repos.users.findById("health-probe"));
    return { status: "ok" };
  } catch (err) {
    log({ event: "unhandled_error", where: "auth.health.database", error: describeError(err), request_id: rpc.requestId }, "error");
    return { status: "error", reason: "the database did not answer" };
  }
}

async function signingHealth(env: AuthEnv, rpc: RpcContext): Promise<HealthCheck> {
  const missing = missingConfig(env, REQUIRED_SECRETS);
  if (missing.length > 0) {
    log({ event: "config_missing", feature: "auth", missing, request_id: rpc.requestId }, "warn");
    return { status: "error", reason: "required secret missing", missing };
  }
  try {
    await keyRing(env.JWT_SIGNING_KEYS);
  } catch (err) {
    if (err instanceof AppError) return { status: "error", reason: "JWT_SIGNING_KEYS is not a valid key ring" };
    throw err;
  }
  return { status: "ok" };
}
