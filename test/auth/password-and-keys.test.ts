/**
 * Unit tests of the auth worker's crypto building blocks (run inside workerd): the PBKDF2 cost is
 * pinned within the production limit, and the key ring supports rotation.
 */
import { env } from "cloudflare:workers";
import { decodeProtectedHeader, exportJWK, generateKeyPair, SignJWT } from "jose";
import { describe, it } from "vitest";
import { verifyAccessToken } from "../../lib/jwt";
import { keyRing, signAccessToken } from "../../workers/auth/src/keys";
import { ipBucket } from "../../workers/gateway/src/middleware/credential-throttle";
import { hashPassword, PBKDF2_ITERATIONS, PBKDF2_MAX_ITERATIONS, verifyPassword } from "../../workers/auth/src/password";

const claims = { userId: "user-1", sessionId: "session-1", issuer: env.JWT_ISSUER, audience: env.JWT_AUDIENCE };
const verifyOptions = { issuer: env.JWT_ISSUER, audience: env.JWT_AUDIENCE };

async function privateJwk(kid: string) {
  const { privateKey } = await generateKeyPair("ES256", { extractable: true });
  return { ...(await exportJWK(privateKey)), kid };
}

describe("password hashing", () => {
  it("pins PBKDF2 at no more than the 100,000 iterations production Workers allow", ({ expect }) => {
    expect(PBKDF2_MAX_ITERATIONS).toBe(100_000);
    expect(PBKDF2_ITERATIONS).toBeLessThanOrEqual(100_000);
    expect(PBKDF2_ITERATIONS).toBeGreaterThanOrEqual(100_000);
  });

  it("stores a versioned hash with the cost, and verifies it", async ({ expect }) => {
    const stored = await hashPassword("s3cret-password");
    // The cost quoted in workers/auth/README.md is this log line (a measurement, not an assertion).
    const runs = 10;
    const started = performance.now();
    for (let i = 0; i < runs; i++) await verifyPassword("s3cret-password", stored);
    console.log(
      `pbkdf2-sha256 ${PBKDF2_ITERATIONS} iterations: ${((performance.now() - started) / runs).toFixed(1)} ms per verification (mean of ${runs}) in workerd`,
    );
    expect(stored).toMatch(/^pbkdf2-sha256\$100000\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(await verifyPassword("s3cret-password", stored)).toEqual({ valid: true, needsRehash: false });
    expect(await verifyPassword("s3cret-passworD", stored)).toEqual({ valid: false, needsRehash: false });
  });

  it("treats composed and decomposed Unicode as the same password (NFKC)", async ({ expect }) => {
    const stored = await hashPassword("caf\u00e9-au-lait");
    expect((await verifyPassword("cafe\u0301-au-lait", stored)).valid).toBe(true);
    expect((await verifyPassword("cafe-au-lait", stored)).valid).toBe(false);
  });

  it("asks for a rehash when a hash was made at another cost", async ({ expect }) => {
    const cheap = await hashPassword("old-password", 1000);
    expect(await verifyPassword("old-password", cheap)).toEqual({ valid: true, needsRehash: true });
    expect(await verifyPassword("wrong-password", cheap)).toEqual({ valid: false, needsRehash: false });
  });

  it("refuses malformed hashes and costs above the production limit", async ({ expect }) => {
    const tooCostly = (await hashPassword("pw-12345678", 1000)).replace("$1000$", "$200000$");
    expect((await verifyPassword("pw-12345678", tooCostly)).valid).toBe(false);
    expect((await verifyPassword("pw-12345678", "bcrypt$whatever")).valid).toBe(false);
    expect((await verifyPassword("pw-12345678", "")).valid).toBe(false);
  });
});

describe("signing key ring", () => {
  it("publishes only public parts of the configured keys", async ({ expect }) => {
    const ring = await keyRing(env.JWT_SIGNING_KEYS);
    expect(ring.jwks.keys.length).toBeGreaterThanOrEqual(1);
    for (const key of ring.jwks.keys) {
      expect(key).not.toHaveProperty("d");
      expect(key).toMatchObject({ kty: "EC", crv: "P-256", alg: "ES256", use: "sig" });
    }
  });

  it("after rotation publishes every key, signs with the newest, and old tokens still verify", async ({ expect }) => {
    const oldKey = await privateJwk("kid-old");
    const newKey = await privateJwk("kid-new");
    const before = await keyRing(JSON.stringify([oldKey]));
    const oldToken = await signAccessToken(before, claims);

    const after = await keyRing(JSON.stringify([oldKey, newKey]));
    expect(after.jwks.keys.map((k) => k.kid)).toEqual(["kid-old", "kid-new"]);
    const newToken = await signAccessToken(after, claims);
    expect(decodeProtectedHeader(newToken)).toMatchObject({ alg: "ES256", kid: "kid-new" });

    expect(await verifyAccessToken(oldToken, after.jwks, verifyOptions)).toMatchObject({ sub: "user-1", sid: "session-1" });
    expect(await verifyAccessToken(newToken, after.jwks, verifyOptions)).toMatchObject({ sub: "user-1", sid: "session-1" });
    // Once the old key is retired, its tokens stop verifying.
    const retired = await keyRing(JSON.stringify([newKey]));
    expect(await verifyAccessToken(oldToken, retired.jwks, verifyOptions)).toBeNull();
  });

  it("a token verified once is not trusted past its exp, nor for another issuer or audience", async ({ expect }) => {
    const { privateKey, publicKey } = await generateKeyPair("ES256", { extractable: true });
    const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: "short", alg: "ES256", use: "sig" }] };
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ sid: "session-1" })
      .setProtectedHeader({ alg: "ES256", kid: "short" })
      .setSubject("user-1")
      .setIssuer(env.JWT_ISSUER)
      .setAudience(env.JWT_AUDIENCE)
      .setIssuedAt(now)
      .setExpirationTime(now + 2)
      .sign(privateKey);
    expect(await verifyAccessToken(token, jwks, verifyOptions)).toMatchObject({ sub: "user-1" });
    // Second call is answered from the isolate's cache of verified tokens, with the same claims.
    expect(await verifyAccessToken(token, jwks, verifyOptions)).toMatchObject({ sub: "user-1", sid: "session-1" });
    // A cached token vouches for nothing else: the same header and claims with a forged signature fail.
    const [header, payload] = token.split(".");
    expect(await verifyAccessToken(`${header}.${payload}.${"A".repeat(86)}`, jwks, verifyOptions)).toBeNull();
    expect(await verifyAccessToken(token, jwks, { ...verifyOptions, audience: "someone-else" })).toBeNull();
    expect(await verifyAccessToken(token, jwks, { ...verifyOptions, issuer: "https://evil.example" })).toBeNull();
    await new Promise((resolve) => setTimeout(resolve, (now + 2) * 1000 - Date.now() + 50));
    expect(await verifyAccessToken(token, jwks, verifyOptions)).toBeNull();
  });

  it("rejects a malformed ring as a configuration error (503), never a crash", async ({ expect }) => {
    await expect(keyRing("not json")).rejects.toMatchObject({ code: "SERVICE_UNAVAILABLE" });
    await expect(keyRing("[]")).rejects.toMatchObject({ code: "SERVICE_UNAVAILABLE" });
    await expect(keyRing(JSON.stringify([{ kty: "EC", crv: "P-256", x: "a", y: "b", kid: "no-private-part" }]))).rejects.toMatchObject({
      code: "SERVICE_UNAVAILABLE",
    });
    await expect(keyRing(undefined)).rejects.toMatchObject({ code: "SERVICE_UNAVAILABLE" });
  });
});

describe("throttle keys", () => {
  it("counts IPv4 per address and IPv6 per /64", ({ expect }) => {
    expect(ipBucket("203.0.113.7")).toBe("203.0.113.7");
    expect(ipBucket("2001:db8:1:2:3:4:5:6")).toBe("2001:db8:1:2::/64");
    expect(ipBucket("2001:DB8:0001:0002:aaaa::1")).toBe("2001:db8:1:2::/64");
    expect(ipBucket("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(ipBucket("::1")).toBe("0:0:0:0::/64");
    expect(ipBucket("2001:db8:1:2::")).toBe("2001:db8:1:2::/64");
    expect(ipBucket("::ffff:203.0.113.7")).toBe("203.0.113.7");
  });
});
