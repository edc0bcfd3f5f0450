import * as z from "zod";
import { environmentSchema } from "../environment";

/** One dependency's state: ok, or why not (a missing secret is named, never its value). */
export const healthCheckSchema = z.object({
  status: z.enum(["ok", "error"]),
  reason: z.string().optional(),
  missing: z.array(z.string()).optional(),
  latency_ms: z.number().optional(),
});
export type HealthCheck = z.infer<typeof healthCheckSchema>;

/** What each worker's `health()` RPC answers: its own state and, for workers with one, the database. */
export const serviceHealthSchema = z.object({
  service: healthCheckSchema,
  database: healthCheckSchema.optional(),
});
export type ServiceHealth = z.infer<typeof serviceHealthSchema>;

export const liveHealthSchema = z.object({
  status: z.literal("ok"),
  service: z.literal("gateway"),
  version: z.string(),
  timestamp: z.string(),
});

export const readyHealthSchema = z.object({
  status: z.enum(["ok", "degraded"]),
  /** The deployment mode (lib/environment.ts): "development" only in the dev launcher's gitignored config copies. */
  environment: environmentSchema,
  checks: z.object({
    database: healthCheckSchema,
    auth: healthCheckSchema,
    chat: healthCheckSchema,
    calls: healthCheckSchema,
    storage: healthCheckSchema,
  }),
});

/** Names the production secrets a feature lacks; an empty list means configured. */
export function missingConfig(env: object, names: readonly string[]): string[] {
  const record = env as Record<string, unknown>;
  return names.filter((name) => {
    const value = record[name];
    return typeof value !== "string" || value.length === 0;
  });
}
