/**
 * Google OAuth 2.0 for service accounts (JWT bearer grant, RFC 7523): an RS256 assertion signed
 * with the service account's private key is exchanged for an access token, which is cached in the
 * isolate until shortly before it expires. Concurrent callers share one exchange.
 */
import { importPKCS8, SignJWT, type CryptoKey } from "jose";
import * as z from "zod";
import { log } from "../../../../lib/log";
import { parseRetryAfter } from "../../../../lib/queue-delivery";
import type { FcmSettings } from "./config";

export const FCM_SCOPE = "https://www.googleapis.com/auth/firebase.messaging";
/** Refresh this long before expiry, so a token never expires in the middle of a batch. */
const EXPIRY_MARGIN_MS = 5 * 60 * 1000;
const ASSERTION_LIFETIME_S = 3600;

const tokenResponseSchema = z.object({
  access_token: z.string().min(1),
  expires_in: z.number().int().positive(),
  token_type: z.string().optional(),
});

/** The token endpoint refused or could not be reached; retried like any transient failure. */
export class OAuthError extends Error {
  override readonly name = "OAuthError";
  constructor(
    message: string,
    readonly status?: number,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

interface CachedToken {
  token: string;
  expiresAt: number;
}

const tokens = new Map<string, CachedToken>();
const pending = new Map<string, Promise<CachedToken>>();
const keys = new Map<string, Promise<CryptoKey>>();

function cacheKey(settings: FcmSettings): string {
  return `${settings.account.client_email}|${settings.account.private_key_id ?? ""}|${settings.tokenUrl}`;
}

function signingKey(settings: FcmSettings): Promise<CryptoKey> {
  const id = cacheKey(settings);
  let key = keys.get(id);
  if (key === undefined) {
    key = importPKCS8(settings.account.private_key, "RS256");
    void key.catch(() => keys.delete(id));
    keys.set(id, key);
  }
  return key;
}

async function exchange(settings: FcmSettings, now: number): Promise<CachedToken> {
  const { account } = settings;
  const assertion = await new SignJWT({ scope: FCM_SCOPE })
    .setProtectedHeader({ alg: "RS256", typ: "JWT", ...(account.private_key_id ? { kid: account.private_key_id } : {}) })
    .setIssuer(account.client_email)
    .setSubject(account.client_email)
    .setAudience(settings.tokenUrl)
    .setIssuedAt(Math.floor(now / 1000))
    .setExpirationTime(Math.floor(now / 1000) + ASSERTION_LIFETIME_S)
    .sign(await signingKey(settings));
  let res: Response;
  try {
    res = await fetch(settings.tokenUrl, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer", assertion }),
    });
  } catch {
    log({ event: "push_oauth_token", outcome: "failed" }, "warn");
    throw new OAuthError("token endpoint unreachable");
  }
  const parsed = tokenResponseSchema.safeParse(await res.json().catch(() => null));
  if (!res.ok || !parsed.success) {
    log({ event: "push_oauth_token", outcome: "failed", status: res.status }, "warn");
    throw new OAuthError(`token endpoint answered ${res.status}`, res.status, parseRetryAfter(res.headers.get("retry-after")));
  }
  log({ event: "push_oauth_token", outcome: "fetched", status: res.status });
  return { token: parsed.data.access_token, expiresAt: now + parsed.data.expires_in * 1000 };
}

/** A valid access token for FCM, from the cache when it still has more than the margin left. */
export async function accessToken(settings: FcmSettings, now: number = Date.now()): Promise<string> {
  const id = cacheKey(settings);
  const cached = tokens.get(id);
  if (cached !== undefined && cached.expiresAt - EXPIRY_MARGIN_MS > now) return cached.token;
  let inflight = pending.get(id);
  if (inflight === undefined) {
    inflight = exchange(settings, now).finally(() => pending.delete(id));
    pending.set(id, inflight);
  }
  const fresh = await inflight;
  tokens.set(id, fresh);
  return fresh.token;
}

/** After FCM answers 401: the cached token is no good, the next call exchanges a new one. */
export function forgetAccessToken(settings: FcmSettings): void {
  tokens.delete(cacheKey(settings));
}
