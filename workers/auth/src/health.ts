import { missingConfig, type ServiceHealth } from "../../../lib/contracts/health";
import { AppError } from "../../../lib/errors";
import { log } from "../../../lib/log";
import type { RpcContext } from "../../../lib/rpc";
import { keyRing } from "./keys";

const REQUIRED_SECRETS = ["JWT_SIGNING_KEYS"] as const;

/** The auth worker is healthy when its signing key ring is present and parses. */
export async function authHealth(env: AuthEnv, ctx: RpcContext): Promise<ServiceHealth> {
  const missing = missingConfig(env, REQUIRED_SECRETS);
  if (missing.length > 0) {
    log({ event: "config_missing", feature: "auth", missing, request_id: ctx.requestId }, "warn");
    return { service: { status: "error", reason: "required secret missing", missing } };
  }
  try {
    await keyRing(env.JWT_SIGNING_KEYS);
  } catch (err) {
    if (err instanceof AppError) return { service: { status: "error", reason: "JWT_SIGNING_KEYS is not a valid key ring" } };
    throw err;
  }
  return { service: { status: "ok" } };
}
