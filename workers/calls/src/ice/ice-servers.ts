import * as z from "zod";
import type { IceServer, IceServersResponse } from "../../../../lib/contracts/calls";
import { AppError } from "../../../../lib/errors";
import { log } from "../../../../lib/log";
import { UPSTREAM_TIMEOUT_MS, type IceMode } from "../config";
import { turnRestCredential } from "./turn-rest";

/** Cloudflare's generate-ice-servers answer (201): `{ iceServers: [{ urls, username?, credential? }] }`. */
const generatedSchema = z.object({
  iceServers: z
    .array(z.object({ urls: z.union([z.string(), z.array(z.string())]), username: z.string().optional(), credential: z.string().optional() }))
    .min(1),
});

/**
 * Per-isolate cache of each user's Cloudflare TURN credentials, reused while more than half of
 * their lifetime remains (so a client never receives credentials about to expire). Bounded.
 */
const cache = new Map<string, IceServersResponse & { expiresMs: number; ttlMs: number }>();
const CACHE_MAX_USERS = 5000;

export function forgetCachedIceServers(): void {
  cache.clear();
}

async function cloudflareTurn(mode: Extract<IceMode, { kind: "cloudflare" }>, userId: string, requestId: string): Promise<IceServersResponse> {
  const hit = cache.get(`${mode.keyId}:${userId}`);
  if (hit && hit.expiresMs - Date.now() > hit.ttlMs / 2) return { ice_servers: hit.ice_servers, expires_at: hit.expires_at };
  const url = `${mode.apiBase}/turn/keys/${encodeURIComponent(mode.keyId)}/credentials/generate-ice-servers`;
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { authorization: `Bearer ${mode.apiToken}`, "content-type": "application/json" },
      body: JSON.stringify({ ttl: mode.ttlSeconds }),
      signal: AbortSignal.timeout(UPSTREAM_TIMEOUT_MS),
    });
  } catch {
    log({ event: "provider_failure", provider: "turn", operation: "generate-ice-servers", status: 0, request_id: requestId }, "error");
    throw new AppError("SERVICE_UNAVAILABLE", "The TURN service cannot be reached.");
  }
  const parsed = generatedSchema.safeParse(await response.json().catch(() => null));
  if (!response.ok || !parsed.success) {
    log({ event: "provider_failure", provider: "turn", operation: "generate-ice-servers", status: response.status, request_id: requestId }, "error");
    throw new AppError("SERVICE_UNAVAILABLE", "The TURN service did not issue credentials.");
  }
  const ttlMs = mode.ttlSeconds * 1000;
  const expiresMs = Date.now() + ttlMs;
  const answer = { ice_servers: parsed.data.iceServers, expires_at: new Date(expiresMs).toISOString() };
  if (cache.size >= CACHE_MAX_USERS) cache.clear();
  cache.set(`${mode.keyId}:${userId}`, { ...answer, expiresMs, ttlMs });
  return answer;
}

/** The ICE servers for one user under the configured mode (see config.ts for the precedence). */
export async function iceServersFor(mode: IceMode, userId: string, requestId: string): Promise<IceServersResponse> {
  switch (mode.kind) {
    case "cloudflare":
      return cloudflareTurn(mode, userId, requestId);
    case "turn-rest": {
      const { username, credential, expiresAt } = await turnRestCredential(mode.sharedSecret, userId, mode.ttlSeconds);
      const servers: IceServer[] = [{ urls: mode.stunUrls }, { urls: mode.urls, username, credential }];
      return { ice_servers: servers, expires_at: expiresAt };
    }
    case "stun":
      // STUN needs no credential; the far-future expiry tells clients there is nothing to refresh.
      return { ice_servers: [{ urls: mode.stunUrls }], expires_at: new Date(Date.now() + 24 * 3600 * 1000).toISOString() };
    case "misconfigured":
      log({ event: "config_missing", feature: "turn", missing: mode.missing, request_id: requestId }, "error");
      throw new AppError("SERVICE_UNAVAILABLE", `TURN is not configured (missing ${mode.missing.join(", ")}).`);
  }
}
