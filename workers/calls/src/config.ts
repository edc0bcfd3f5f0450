import { missingConfig } from "../../../lib/contracts/health";
import { isDevelopment } from "../../../lib/environment";

/**
 * Which outside services this deployment uses, decided from vars (which turn a mode on) and
 * secrets (which a mode then needs). Precedence for ICE: Cloudflare Realtime TURN (TURN_KEY_ID
 * set) → classic TURN REST (TURN_URLS set) → STUN only. A mode whose var is set but whose secret
 * is missing is "misconfigured": it never silently falls back to a weaker mode in production.
 */
export const DEFAULT_REALTIME_API_BASE = "https://rtc.live.cloudflare.com/v1";
export const DEFAULT_REALTIMEKIT_API_BASE = "https://api.realtime.cloudflare.com/v2";
export const DEFAULT_STUN_URLS = ["stun:stun.cloudflare.com:3478"];
export const DEFAULT_TURN_TTL_SECONDS = 3600;
export const DEFAULT_REALTIMEKIT_PRESET = "group_call_participant";
/** Every call to Cloudflare is bounded, so a slow upstream cannot hold a call room (or a request) hostage. */
export const UPSTREAM_TIMEOUT_MS = 8000;

/** The vars and secrets read here; every field optional so a copy of env with fewer works. */
export interface CallsConfigEnv {
  ENVIRONMENT?: string;
  GROUP_CALL_PROVIDER?: string;
  REALTIME_API_BASE?: string;
  REALTIME_APP_ID?: string;
  REALTIME_APP_SECRET?: string;
  TURN_KEY_ID?: string;
  TURN_KEY_API_TOKEN?: string;
  TURN_URLS?: string;
  TURN_SHARED_SECRET?: string;
  TURN_CREDENTIAL_TTL_SECONDS?: string;
  STUN_URLS?: string;
  REALTIMEKIT_API_BASE?: string;
  REALTIMEKIT_ORG_ID?: string;
  REALTIMEKIT_API_KEY?: string;
  REALTIMEKIT_PRESET?: string;
}

export type IceMode =
  | { kind: "cloudflare"; apiBase: string; keyId: string; apiToken: string; ttlSeconds: number }
  | { kind: "turn-rest"; urls: string[]; sharedSecret: string; ttlSeconds: number; stunUrls: string[] }
  | { kind: "stun"; stunUrls: string[] }
  | { kind: "misconfigured"; missing: string[] };

export type GroupProvider =
  | { kind: "sfu"; apiBase: string; appId: string; appSecret: string }
  | { kind: "realtimekit"; apiBase: string; orgId: string; apiKey: string; preset: string }
  | { kind: "unconfigured"; provider: "sfu" | "realtimekit"; missing: string[] };

const text = (value: string | undefined): string => (value ?? "").trim();
const list = (value: string | undefined): string[] =>
  text(value)
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);

function ttlOf(env: CallsConfigEnv): number {
  const parsed = Number.parseInt(text(env.TURN_CREDENTIAL_TTL_SECONDS), 10);
  return Number.isInteger(parsed) && parsed >= 60 && parsed <= 86_400 ? parsed : DEFAULT_TURN_TTL_SECONDS;
}

/**
 * A Realtime API base production must not use: not https, not parseable, or on this machine. The
 * local SFU of `npm run dev` (scripts/sfu/) lives at http://127.0.0.1:<port>/v1; a production
 * deployment pointed there (a copied dev config) counts as unconfigured, never as a working SFU.
 */
export function isLocalOrPlainHttp(base: string): boolean {
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    return true;
  }
  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, "");
  const local = host === "localhost" || host.endsWith(".localhost") || host === "::1" || host === "0.0.0.0" || /^127(\.\d{1,3}){3}$/.test(host);
  return url.protocol !== "https:" || local;
}

/** REALTIME_API_BASE as this deployment may use it, or null when production is pointed at a local or plain-http host. */
function realtimeApiBase(env: CallsConfigEnv): string | null {
  const base = text(env.REALTIME_API_BASE) || DEFAULT_REALTIME_API_BASE;
  return isProduction(env) && isLocalOrPlainHttp(base) ? null : base;
}

export function iceMode(env: CallsConfigEnv): IceMode {
  const stunUrls = list(env.STUN_URLS).length > 0 ? list(env.STUN_URLS) : DEFAULT_STUN_URLS;
  if (text(env.TURN_KEY_ID)) {
    const missing = missingConfig(env, ["TURN_KEY_API_TOKEN"]);
    const apiBase = realtimeApiBase(env);
    if (!apiBase) missing.push("REALTIME_API_BASE");
    if (missing.length > 0 || !apiBase) return { kind: "misconfigured", missing };
    return {
      kind: "cloudflare",
      apiBase,
      keyId: text(env.TURN_KEY_ID),
      apiToken: text(env.TURN_KEY_API_TOKEN),
      ttlSeconds: ttlOf(env),
    };
  }
  if (list(env.TURN_URLS).length > 0) {
    const missing = missingConfig(env, ["TURN_SHARED_SECRET"]);
    if (missing.length > 0) return { kind: "misconfigured", missing };
    return { kind: "turn-rest", urls: list(env.TURN_URLS), sharedSecret: text(env.TURN_SHARED_SECRET), ttlSeconds: ttlOf(env), stunUrls };
  }
  return { kind: "stun", stunUrls };
}

export function groupProvider(env: CallsConfigEnv): GroupProvider {
  if (text(env.GROUP_CALL_PROVIDER) === "realtimekit") {
    const missing = missingConfig(env, ["REALTIMEKIT_ORG_ID", "REALTIMEKIT_API_KEY"]);
    if (missing.length > 0) return { kind: "unconfigured", provider: "realtimekit", missing };
    return {
      kind: "realtimekit",
      apiBase: text(env.REALTIMEKIT_API_BASE) || DEFAULT_REALTIMEKIT_API_BASE,
      orgId: text(env.REALTIMEKIT_ORG_ID),
      apiKey: text(env.REALTIMEKIT_API_KEY),
      preset: text(env.REALTIMEKIT_PRESET) || DEFAULT_REALTIMEKIT_PRESET,
    };
  }
  const missing = missingConfig(env, ["REALTIME_APP_ID", "REALTIME_APP_SECRET"]);
  const apiBase = realtimeApiBase(env);
  if (!apiBase) missing.push("REALTIME_API_BASE");
  if (missing.length > 0 || !apiBase) return { kind: "unconfigured", provider: "sfu", missing };
  return {
    kind: "sfu",
    apiBase,
    appId: text(env.REALTIME_APP_ID),
    appSecret: text(env.REALTIME_APP_SECRET),
  };
}

export function isProduction(env: CallsConfigEnv): boolean {
  return !isDevelopment(env);
}

/**
 * What health reports missing. Production needs TURN (STUN alone fails behind symmetric NATs)
 * and the group provider; elsewhere only a half-configured mode counts.
 */
export function missingForHealth(env: CallsConfigEnv): string[] {
  const ice = iceMode(env);
  const group = groupProvider(env);
  const missing: string[] = [];
  if (ice.kind === "misconfigured") missing.push(...ice.missing);
  else if (ice.kind === "stun" && isProduction(env)) missing.push("TURN_KEY_ID", "TURN_KEY_API_TOKEN");
  if (group.kind === "unconfigured" && isProduction(env)) missing.push(...group.missing);
  return missing;
}
