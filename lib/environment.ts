import * as z from "zod";

/**
 * The one place that decides the deployment mode. Development (dev mailbox, dev push outbox, dev S3
 * endpoint, localhost CORS, /dev/* routes) is on only when ENVIRONMENT is exactly "development", which
 * only the dev launcher's gitignored config copies say (scripts/lib/dev-configs.mjs); a missing, empty or
 * unknown value is production, so a plain `wrangler deploy` can never expose a dev sink.
 */
export const environmentSchema = z.enum(["production", "development"]);
export type Environment = z.infer<typeof environmentSchema>;

/** Any env-like object: every worker's Env, or a test's copy with ENVIRONMENT removed. */
export interface EnvironmentEnv {
  ENVIRONMENT?: string | undefined;
}

export function isDevelopment(env: EnvironmentEnv): boolean {
  return env.ENVIRONMENT === "development";
}

export function environmentOf(env: EnvironmentEnv): Environment {
  return isDevelopment(env) ? "development" : "production";
}
