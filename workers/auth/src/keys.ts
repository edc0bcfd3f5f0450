/**
 * The signing key ring, from the `JWT_SIGNING_KEYS` secret: a JSON array of private ES256 JWKs,
 * each with a `kid`. The LAST key signs new access tokens; the JWKS publishes the public half of
 * every key, so tokens signed by an older key keep verifying until that key is dropped (rotation:
 * append a new key, wait one access-token lifetime, then remove the old one).
 */
import { importJWK, SignJWT, type JSONWebKeySet, type JWK } from "jose";
import * as z from "zod";
import { AppError } from "../../../lib/errors";
import { ACCESS_TOKEN_TTL_SECONDS } from "../../../lib/jwt";

const privateJwkSchema = z
  .object({
    kty: z.literal("EC"),
    crv: z.literal("P-256"),
    x: z.string().min(1),
    y: z.string().min(1),
    d: z.string().min(1),
    kid: z.string().min(1).max(128),
  })
  .loose();
const keyRingSchema = z.array(privateJwkSchema).min(1);

export interface KeyRing {
  signingKid: string;
  signingKey: CryptoKey;
  jwks: JSONWebKeySet;
}

/** Per isolate: parsing and importing is done once per secret value. */
let cached: { secret: string; ring: Promise<KeyRing> } | undefined;

async function buildKeyRing(secret: string): Promise<KeyRing> {
  let json: unknown;
  try {
    json = JSON.parse(secret);
  } catch {
    throw new AppError("SERVICE_UNAVAILABLE", "Token signing is not configured correctly.");
  }
  const parsed = keyRingSchema.safeParse(json);
  if (!parsed.success) throw new AppError("SERVICE_UNAVAILABLE", "Token signing is not configured correctly.");
  const keys = parsed.data;
  const signer = keys[keys.length - 1];
  if (!signer) throw new AppError("SERVICE_UNAVAILABLE", "Token signing is not configured.");
  const signingKey = await importJWK({ ...signer, alg: "ES256" }, "ES256");
  if (!(signingKey instanceof CryptoKey)) throw new AppError("SERVICE_UNAVAILABLE", "Token signing key is not usable.");
  const publicKeys: JWK[] = keys.map((k) => ({ kty: k.kty, crv: k.crv, x: k.x, y: k.y, kid: k.kid, alg: "ES256", use: "sig" }));
  return { signingKid: signer.kid, signingKey, jwks: { keys: publicKeys } };
}

export function keyRing(secret: string | undefined): Promise<KeyRing> {
  if (!secret) return Promise.reject(new AppError("SERVICE_UNAVAILABLE", "Token signing is not configured."));
  if (cached?.secret === secret) return cached.ring;
  const ring = buildKeyRing(secret);
  cached = { secret, ring };
  // A failed parse must not stick: the next call retries (e.g. after a secret fix).
  void ring.catch(() => {
    if (cached?.ring === ring) cached = undefined;
  });
  return ring;
}

export interface AccessTokenInput {
  userId: string;
  sessionId: string;
  /** Every session has one; optional only so tests can mint the tokens older servers issued. */
  deviceId?: string;
  issuer: string;
  audience: string;
}

/** An ES256 access token with `sub`, `sid`, `did` (the session's device), `iss`, `aud`, `iat`, `exp` and the signer's `kid`. */
export async function signAccessToken(ring: KeyRing, input: AccessTokenInput, nowSeconds = Math.floor(Date.now() / 1000)): Promise<string> {
  return new SignJWT(input.deviceId !== undefined ? { sid: input.sessionId, did: input.deviceId } : { sid: input.sessionId })
    .setProtectedHeader({ alg: "ES256", kid: ring.signingKid, typ: "JWT" })
    .setSubject(input.userId)
    .setIssuer(input.issuer)
    .setAudience(input.audience)
    .setIssuedAt(nowSeconds)
    .setExpirationTime(nowSeconds + ACCESS_TOKEN_TTL_SECONDS)
    .sign(ring.signingKey);
}
