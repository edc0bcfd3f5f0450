/**
 * VAPID (RFC 8292): every Web Push request carries `Authorization: vapid t=<JWT>, k=<public key>`,
 * an ES256 JWT with `aud` = the push service's origin, `exp` at most 24 h ahead and `sub` our
 * contact. The key pair is the chat worker's VAPID_PRIVATE_KEY secret (a private P-256 JWK); its
 * public half is what browsers subscribe with (GET /v1/push/vapid-public-key). One JWT per push
 * service origin is cached in the isolate until an hour before it expires.
 */
import { importJWK, SignJWT, type CryptoKey } from "jose";
import * as z from "zod";
import { concatBytes, fromBase64url, toBase64url } from "../../../../lib/base64url";

/** RFC 8292 §2: `exp` no more than 24 hours ahead; 12 h leaves room for clock skew. */
export const VAPID_TOKEN_LIFETIME_S = 12 * 60 * 60;
const REUSE_MARGIN_MS = 60 * 60 * 1000;

const coordinate = z.string().regex(/^[A-Za-z0-9_-]{43}$/);
export const vapidPrivateJwkSchema = z.object({ kty: z.literal("EC"), crv: z.literal("P-256"), x: coordinate, y: coordinate, d: coordinate });
export type VapidPrivateJwk = z.infer<typeof vapidPrivateJwkSchema>;

export interface VapidSettings {
  jwk: VapidPrivateJwk;
  /** base64url of the uncompressed point (0x04 ‖ x ‖ y): the `k=` parameter and applicationServerKey. */
  publicKey: string;
  /** `mailto:` or `https:` contact of the operator (the JWT's `sub`). */
  subject: string;
}

/** The settings from the secret's text, or undefined when it is not a private P-256 JWK. */
export function parseVapidKey(raw: string, subject: string): VapidSettings | undefined {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return undefined;
  }
  const parsed = vapidPrivateJwkSchema.safeParse(json);
  if (!parsed.success) return undefined;
  const jwk = parsed.data;
  const publicKey = toBase64url(concatBytes(new Uint8Array([4]), fromBase64url(jwk.x), fromBase64url(jwk.y)));
  return { jwk, publicKey, subject };
}

const signingKeys = new Map<string, Promise<CryptoKey>>();
const headers = new Map<string, { value: string; expiresAt: number }>();

function signingKey(settings: VapidSettings): Promise<CryptoKey> {
  let key = signingKeys.get(settings.publicKey);
  if (key === undefined) {
    key = importJWK({ ...settings.jwk, alg: "ES256" }, "ES256").then((k) => {
      if (k instanceof Uint8Array) throw new Error("VAPID key is not an EC key");
      return k;
    });
    void key.catch(() => signingKeys.delete(settings.publicKey));
    signingKeys.set(settings.publicKey, key);
  }
  return key;
}

/** The Authorization header value for a push to `endpoint`. */
export async function vapidAuthorization(settings: VapidSettings, endpoint: string, now: number = Date.now()): Promise<string> {
  const aud = new URL(endpoint).origin;
  const id = `${settings.publicKey}|${settings.subject}|${aud}`;
  const cached = headers.get(id);
  if (cached !== undefined && cached.expiresAt - REUSE_MARGIN_MS > now) return cached.value;
  const exp = Math.floor(now / 1000) + VAPID_TOKEN_LIFETIME_S;
  const jwt = await new SignJWT({ sub: settings.subject })
    .setProtectedHeader({ alg: "ES256", typ: "JWT" })
    .setAudience(aud)
    .setExpirationTime(exp)
    .sign(await signingKey(settings));
  const value = `vapid t=${jwt}, k=${settings.publicKey}`;
  headers.set(id, { value, expiresAt: exp * 1000 });
  return value;
}
