/**
 * The push feature's RPC pieces on ChatService: the dev outbox reader, whether push is configured
 * (for producers in other workers, e.g. calls), the VAPID public key, and the push part of health.
 */
import type { PushStatus } from "../../../../lib/contracts/chat-rpc";
import { pushOutboxQuerySchema, type OutboxList, type PushOutboxQuery } from "../../../../lib/contracts/dev";
import type { ServiceHealth } from "../../../../lib/contracts/health";
import { isDevelopment } from "../../../../lib/environment";
import { AppError } from "../../../../lib/errors";
import { parseInput } from "../../../../lib/rpc";
import type { VapidPublicKey } from "../../../../lib/contracts/web-push";
import { pushConfigured, pushHealth, type PushEnv } from "./config";
import { parseVapidKey } from "./vapid";
import { listOutbox } from "./outbox";

/** GET /dev/push-outbox: newest first. Does not exist in production (404). */
export async function devPushOutbox(env: PushEnv & Pick<ChatEnv, "KV">, input: PushOutboxQuery): Promise<OutboxList> {
  if (!isDevelopment(env)) throw new AppError("NOT_FOUND", "No such route.");
  return { messages: await listOutbox(env.KV, parseInput(pushOutboxQuerySchema, input).user_id) };
}

/** GET /v1/push/vapid-public-key: the public half of VAPID_PRIVATE_KEY (generated in development); 503 without one. */
export async function vapidPublicKey(env: PushEnv): Promise<VapidPublicKey> {
  const settings = parseVapidKey(env.VAPID_PRIVATE_KEY ?? "", "");
  if (settings === undefined) throw new AppError("SERVICE_UNAVAILABLE", "Web push is not configured.");
  return { public_key: settings.publicKey };
}

/** For producers outside the chat worker: false = production without FCM, answer 503. */
export function pushStatus(env: PushEnv): PushStatus {
  return { configured: pushConfigured(env) };
}

/** The chat worker's health with push delivery folded in: a missing FCM secret is named. */
export function withPushHealth(health: ServiceHealth, env: PushEnv): ServiceHealth {
  const push = pushHealth(env);
  if (push.status === "ok") return health;
  if (health.service.status === "ok") return { ...health, service: push };
  const missing = [...(health.service.missing ?? []), ...(push.missing ?? [])];
  return { ...health, service: { ...health.service, reason: `${health.service.reason ?? "unhealthy"}; ${push.reason ?? ""}`, missing } };
}
