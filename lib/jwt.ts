import { createLocalJWKSet, errors as joseErrors, jwtVerify, type JSONWebKeySet } from "jose";
import * as z from "zod";

/** The claims of an access token. Only the auth worker signs them; the gateway verifies them. */
export const accessClaimsSchema = z.object({
  sub: z.string().min(1),
  sid: z.string().min(1),
  iss: z.string(),
  aud: z.union([z.string(), z.array(z.string())]),
  exp: z.number(),
  iat: z.number(),
});
export type AccessClaims = z.infer<typeof accessClaimsSchema>;

export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;
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
 * Verifies an access token against a JWKS. Returns null for every kind of bad token (forged,
 * expired, wrong alg/iss/aud, malformed) so the caller has one 401 path.
 */
export async function verifyAccessToken(
  token: string,
  jwks: JSONWebKeySet,
  options: VerifyOptions,
): Promise<AccessClaims | null> {
  try {
    const { payload } = await jwtVerify(token, keyResolver(jwks), {
      algorithms: ACCEPTED_ALGS,
      issuer: options.issuer,
      audience: options.audience,
      requiredClaims: ["sub", "sid", "exp", "iat"],
    });
    const parsed = accessClaimsSchema.safeParse(payload);
    return parsed.success ? parsed.data : null;
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
