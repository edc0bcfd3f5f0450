import { createLocalJWKSet, errors as joseErrors, jwtVerify, type JSONWebKeySet } from "jose";
import * as z from "zod";

/** The claims of an access token. Only the auth worker signs them; the gateway verifies them. */
export const accessClaimsSchema = z.object({
  sub: z.string().min(1),
  sid: z.string().min(1),
  /** The session's device. Tokens minted before devices lack it; they expire within 15 minutes. */
  did: z.string().min(1).max(64).optional(),
  iss: z.string(),
  aud: z.union([z.string(), z.array(z.string())]),
  exp: z.number(),
  iat: z.number(),
});
export type AccessClaims = z.infer<typeof accessClaimsSchema>;

/**
 * The access-token lifetime: the auth worker signs with it and the gateway refuses any token whose
 * `exp - iat` is longer (a token minted with a long life by a leaked or misused key stays short).
 */
export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;
/** Clock skew tolerated between the signer and the verifier for `iat`. */
const IAT_SKEW_SECONDS = 60;

/** The auth worker's answer to "may this session be used, and whose is it?" (the gateway's token check). */
export const sessionStatusSchema = z.object({ active: z.boolean(), userId: z.string().nullable() });
export type SessionStatus = z.infer<typeof sessionStatusSchema>;
/** Only asymmetric algorithms we issue: HS*, `none` and every other alg are refused outright. */
export const ACCEPTED_ALGS = ["ES256"];

export interface VerifyOptions {
  issuer: string;
  audience: string;
}

/**
 * One resolver per key set: jose caches each imported public key inside the resolver, so reusing it
 * saves a key import (~0.06 ms) on every request after the first.
 */
const resolvers = new WeakMap<JSONWebKeySet, ReturnType<typeof createLocalJWKSet>>();
function keyResolver(jwks: JSONWebKeySet): ReturnType<typeof createLocalJWKSet> {
  let resolver = resolvers.get(jwks);
  if (!resolver) {
    resolver = createLocalJWKSet(jwks);
    resolvers.set(jwks, resolver);
  }
  return resolver;
}

/**
 * Tokens this isolate has already verified, per key set: a client sends the same token for up to
 * its 15-minute life, and an ES256 verify costs ~0.2 ms. Keyed by the key-set object, so a token is
 * re-verified once the JWKS is refetched (a retired key stops working); a hit still checks `exp`.
 * Only successes are kept (forged tokens cannot fill it); bounded, oldest entry evicted first.
 */
const VERIFIED_CACHE_SIZE = 5_000;
const verified = new WeakMap<JSONWebKeySet, Map<string, { claims: AccessClaims; options: VerifyOptions }>>();

function cachedClaims(token: string, jwks: JSONWebKeySet, options: VerifyOptions): AccessClaims | null {
  const hit = verified.get(jwks)?.get(token);
  if (!hit || hit.options.issuer !== options.issuer || hit.options.audience !== options.audience) return null;
  return hit.claims.exp * 1000 > Date.now() ? hit.claims : null;
}

function remember(token: string, jwks: JSONWebKeySet, options: VerifyOptions, claims: AccessClaims): void {
  let cache = verified.get(jwks);
  if (!cache) {
    cache = new Map();
    verified.set(jwks, cache);
  }
  if (cache.size >= VERIFIED_CACHE_SIZE) {
    const oldest = cache.keys().next();
    if (!oldest.done) cache.delete(oldest.value);
  }
  cache.set(token, { claims, options: { issuer: options.issuer, audience: options.audience } });
}

/**
 * Verifies an access token against a JWKS. Returns null for every kind of bad token (forged,
 * expired, wrong alg/iss/aud, malformed) so the caller has one 401 path.
 */
export async function verifyAccessToken(token: string, jwks: JSONWebKeySet, options: VerifyOptions): Promise<AccessClaims | null> {
  const known = cachedClaims(token, jwks, options);
  if (known) return known;
  try {
    const { payload } = await jwtVerify(token, keyResolver(jwks), {
      algorithms: ACCEPTED_ALGS,
      issuer: options.issuer,
      audience: options.audience,
      requiredClaims: ["sub", "sid", "exp", "iat"],
    });
    const parsed = accessClaimsSchema.safeParse(payload);
    if (!parsed.success) return null;
    // Validly signed is not enough: no token we issue lives longer than the issuer's lifetime, and
    // none is issued in the future (which would stretch that window past `exp - iat`).
    const { exp, iat } = parsed.data;
    if (exp - iat > ACCESS_TOKEN_TTL_SECONDS || iat > Date.now() / 1000 + IAT_SKEW_SECONDS) return null;
    remember(token, jwks, options, parsed.data);
    return parsed.data;
  } catch (err) {
    if (err instanceof joseErrors.JOSEError || err instanceof TypeError || err instanceof SyntaxError) return null;
    throw err;
  }
}

/** True when a verification failed only because no key in the set has the token's kid. */
export function tokenKid(token: string): string | null {
  const [header] = token.split(".");
  if (!header) return null;
  try {
    const json: unknown = JSON.parse(atob(header.replace(/-/g, "+").replace(/_/g, "/")));
    const parsed = z.object({ kid: z.string() }).safeParse(json);
    return parsed.success ? parsed.data.kid : null;
  } catch {
    return null;
  }
}
