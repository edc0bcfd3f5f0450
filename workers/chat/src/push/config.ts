/**
 * Where push goes. Android/iOS devices: FCM HTTP v1 (a service account is configured), the dev push
 * outbox (development/test without one), or nowhere (production without one: health names it and
 * producers answer 503). Web devices: Web Push with the VAPID key in production, the dev outbox in
 * development (the dev launcher generates a VAPID key so browsers can subscribe, but nothing leaves
 * the machine), nowhere in production without a key. Production never falls back to the dev outbox.
 */
import * as z from "zod";
import { missingConfig, type HealthCheck } from "../../../../lib/contracts/health";
import { isDevelopment } from "../../../../lib/environment";
import { parseVapidKey, type VapidSettings } from "./vapid";

const DEFAULT_FCM_API_BASE = "https://fcm.googleapis.com";
const DEFAULT_TOKEN_URL = "https://oauth2.googleapis.com/token";

/** The fields of a Firebase service-account key file this consumer needs. */
export const serviceAccountSchema = z.object({
  project_id: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[a-z0-9-]+$/),
  client_email: z.string().min(3).max(320),
  private_key: z.string().includes("PRIVATE KEY"),
  private_key_id: z.string().max(128).optional(),
});
export type ServiceAccount = z.infer<typeof serviceAccountSchema>;

export interface FcmSettings {
  account: ServiceAccount;
  /** Base of `/v1/projects/{id}/messages:send`, without a trailing slash. */
  apiBase: string;
  tokenUrl: string;
}

export type PushSink = { kind: "fcm"; fcm: FcmSettings } | { kind: "dev_outbox" } | { kind: "unconfigured"; missing: string[]; reason: string };

export type WebPushSink = { kind: "web_push"; vapid: VapidSettings } | { kind: "dev_outbox" } | { kind: "unconfigured"; missing: string[]; reason: string };

export type PushEnv = Pick<ChatEnv, "ENVIRONMENT" | "FCM_SERVICE_ACCOUNT" | "FCM_API_BASE" | "GOOGLE_OAUTH_TOKEN_URL" | "VAPID_PRIVATE_KEY" | "VAPID_SUBJECT">;

function httpsUrl(value: unknown, fallback: string, production: boolean): string | undefined {
  const raw = typeof value === "string" && value.length > 0 ? value : fallback;
  try {
    const url = new URL(raw);
    if (production && url.protocol !== "https:") return undefined;
    if (url.protocol !== "https:" && url.protocol !== "http:") return undefined;
    return raw.replace(/\/+$/, "");
  } catch {
    return undefined;
  }
}

function parseAccount(raw: string): ServiceAccount | undefined {
  try {
    const parsed = serviceAccountSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export function pushSink(env: PushEnv): PushSink {
  const production = !isDevelopment(env);
  if (missingConfig(env, ["FCM_SERVICE_ACCOUNT"]).length > 0) {
    return production ? { kind: "unconfigured", missing: ["FCM_SERVICE_ACCOUNT"], reason: "push delivery is not configured" } : { kind: "dev_outbox" };
  }
  // Someone tried to configure FCM: a broken value is an error everywhere, never a silent fallback.
  const account = parseAccount(env.FCM_SERVICE_ACCOUNT);
  if (account === undefined) return { kind: "unconfigured", missing: ["FCM_SERVICE_ACCOUNT"], reason: "FCM_SERVICE_ACCOUNT is not a service-account JSON key" };
  const apiBase = httpsUrl(env.FCM_API_BASE, DEFAULT_FCM_API_BASE, production);
  const tokenUrl = httpsUrl(env.GOOGLE_OAUTH_TOKEN_URL, DEFAULT_TOKEN_URL, production);
  const missing = [...(apiBase === undefined ? ["FCM_API_BASE"] : []), ...(tokenUrl === undefined ? ["GOOGLE_OAUTH_TOKEN_URL"] : [])];
  if (apiBase === undefined || tokenUrl === undefined) return { kind: "unconfigured", missing, reason: "push endpoints are not valid URLs" };
  return { kind: "fcm", fcm: { account, apiBase, tokenUrl } };
}

/** The VAPID key and contact, valid or not, whatever the environment (the public key is served in development too). */
export function vapidSettings(env: PushEnv): { ok: true; vapid: VapidSettings } | { ok: false; missing: string[]; reason: string } {
  const missing = missingConfig(env, ["VAPID_PRIVATE_KEY", "VAPID_SUBJECT"]);
  if (missing.length > 0) return { ok: false, missing, reason: "web push (VAPID) is not configured" };
  if (!/^(mailto:.+@.+|https:\/\/.+)$/.test(env.VAPID_SUBJECT))
    return { ok: false, missing: ["VAPID_SUBJECT"], reason: "VAPID_SUBJECT must be a mailto: or https: contact" };
  const vapid = parseVapidKey(env.VAPID_PRIVATE_KEY, env.VAPID_SUBJECT);
  if (vapid === undefined) return { ok: false, missing: ["VAPID_PRIVATE_KEY"], reason: "VAPID_PRIVATE_KEY is not a private P-256 JWK" };
  return { ok: true, vapid };
}

export function webPushSink(env: PushEnv): WebPushSink {
  if (isDevelopment(env)) return { kind: "dev_outbox" };
  const settings = vapidSettings(env);
  return settings.ok ? { kind: "web_push", vapid: settings.vapid } : { kind: "unconfigured", missing: settings.missing, reason: settings.reason };
}

/**
 * For the chat/calls engineers: call before queueing a push; false means production without FCM,
 * where the producing endpoint answers 503 SERVICE_UNAVAILABLE.
 */
export function pushConfigured(env: PushEnv): boolean {
  return pushSink(env).kind !== "unconfigured" && webPushSink(env).kind !== "unconfigured";
}

/** The push part of the chat worker's health: names what is missing (FCM, then VAPID), never a value. */
export function pushHealth(env: PushEnv): HealthCheck {
  const problems = [pushSink(env), webPushSink(env)].flatMap((sink) => (sink.kind === "unconfigured" ? [sink] : []));
  if (problems.length === 0) return { status: "ok" };
  return { status: "error", reason: problems.map((p) => p.reason).join("; "), missing: problems.flatMap((p) => p.missing) };
}
