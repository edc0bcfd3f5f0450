import { decodeProtectedHeader, exportJWK, generateKeyPair, SignJWT } from "jose";
import { describe, it } from "vitest";
import { createUser } from "../helpers/auth";
import { base64urlJson, bearer, errorCode, get, jwtPayload, post, signingJwk, signToken } from "./support";

/** Every forged or stale token must get the same 401 UNAUTHORIZED on an authenticated route. */
async function expectRejected(expect: (v: unknown) => { toBe(v: unknown): void }, token: string): Promise<void> {
  const res = await get("/v1/users/me", bearer(token));
  expect(res.status).toBe(401);
  expect(await errorCode(res)).toBe("UNAUTHORIZED");
}

describe("access tokens: what the gateway refuses", () => {
  it("accepts a genuine token, with sub, sid, iss, aud, kid and a 15-minute lifetime", async ({ expect }) => {
    const { user, accessToken } = await createUser();
    const header = decodeProtectedHeader(accessToken);
    expect(header).toMatchObject({ alg: "ES256", kid: signingJwk().kid });
    const claims = jwtPayload(accessToken);
    expect(claims).toMatchObject({ sub: user.id, iss: "https://secureconnect.local", aud: "secureconnect-api" });
    expect(typeof claims.sid).toBe("string");
    expect(Number(claims.exp) - Number(claims.iat)).toBe(900);
    const res = await get("/v1/users/me", bearer(accessToken));
    expect(res.status).toBe(200);
  });

  it("refuses a missing or malformed Authorization header", async ({ expect }) => {
    const variants: Record<string, string>[] = [{}, { Authorization: "Bearer" }, { Authorization: "Basic abc:def" }, { Authorization: "Bearer not-a-jwt" }];
    for (const headers of variants) {
      const res = await get("/v1/users/me", headers);
      expect(res.status).toBe(401);
      expect(await errorCode(res)).toBe("UNAUTHORIZED");
    }
  });

  it("refuses alg: none", async ({ expect }) => {
    const { accessToken } = await createUser();
    const claims = jwtPayload(accessToken);
    const unsigned = `${base64urlJson({ alg: "none", typ: "JWT", kid: signingJwk().kid })}.${base64urlJson(claims)}.`;
    await expectRejected(expect, unsigned);
  });

  it("refuses HS256 signed with the public key (algorithm confusion)", async ({ expect }) => {
    const { accessToken } = await createUser();
    const { d: _private, ...publicJwk } = signingJwk();
    const secret = new TextEncoder().encode(JSON.stringify(publicJwk));
    const claims = jwtPayload(accessToken);
    const forged = await new SignJWT(claims).setProtectedHeader({ alg: "HS256", kid: publicJwk.kid, typ: "JWT" }).sign(secret);
    await expectRejected(expect, forged);
  });

  it("refuses a bad signature: another key under the real kid, and a tampered payload", async ({ expect }) => {
    const { user, accessToken } = await createUser();
    const sid = String(jwtPayload(accessToken).sid);
    const { privateKey } = await generateKeyPair("ES256", { extractable: true });
    const impostor = { ...(await exportJWK(privateKey)), kid: signingJwk().kid };
    await expectRejected(expect, await signToken({ sub: user.id, sid }, impostor));

    const other = await createUser();
    const [header, , signature] = accessToken.split(".");
    const tampered = `${header}.${base64urlJson({ ...jwtPayload(accessToken), sub: other.user.id })}.${signature}`;
    await expectRejected(expect, tampered);
  });

  it("refuses a wrong issuer or audience even when correctly signed", async ({ expect }) => {
    const { user, accessToken } = await createUser();
    const sid = String(jwtPayload(accessToken).sid);
    await expectRejected(expect, await signToken({ sub: user.id, sid, iss: "https://evil.example" }));
    await expectRejected(expect, await signToken({ sub: user.id, sid, aud: "some-other-api" }));
    // The control: the same forge with the right claims is accepted, so the two above failed on iss/aud.
    const control = await get("/v1/users/me", bearer(await signToken({ sub: user.id, sid })));
    expect(control.status).toBe(200);
  });

  it("refuses an expired token", async ({ expect }) => {
    const { user, accessToken } = await createUser();
    const sid = String(jwtPayload(accessToken).sid);
    const now = Math.floor(Date.now() / 1000);
    await expectRejected(expect, await signToken({ sub: user.id, sid, iat: now - 3600, exp: now - 1800 }));
  });

  it("refuses a signed token whose session does not exist", async ({ expect }) => {
    const { user } = await createUser();
    await expectRejected(expect, await signToken({ sub: user.id, sid: "01900000-0000-7000-8000-000000000000" }));
  });

  it("refuses a signed token whose sid is another user's live session", async ({ expect }) => {
    const victim = await createUser();
    const attacker = await createUser();
    const victimSid = String(jwtPayload(victim.accessToken).sid);
    // The victim's session is live (its own token works), so only the owner mismatch can refuse this.
    expect((await get("/v1/users/me", bearer(victim.accessToken))).status).toBe(200);
    await expectRejected(expect, await signToken({ sub: attacker.user.id, sid: victimSid }));
    // And the other way round: the attacker's own live session under the victim's id.
    await expectRejected(expect, await signToken({ sub: victim.user.id, sid: String(jwtPayload(attacker.accessToken).sid) }));
    // The control: a forge with the matching pair is accepted.
    expect((await get("/v1/users/me", bearer(await signToken({ sub: attacker.user.id, sid: String(jwtPayload(attacker.accessToken).sid) })))).status).toBe(200);
  });

  it("refuses a validly signed token that lives longer than the issuer's 15 minutes", async ({ expect }) => {
    const { user, accessToken } = await createUser();
    const sid = String(jwtPayload(accessToken).sid);
    const now = Math.floor(Date.now() / 1000);
    await expectRejected(expect, await signToken({ sub: user.id, sid, iat: now, exp: now + 900 + 1 }));
    await expectRejected(expect, await signToken({ sub: user.id, sid, iat: now - 60, exp: now + 365 * 24 * 3600 }));
    // Issued in the future, so that exp - iat looks short while the token lives long.
    await expectRejected(expect, await signToken({ sub: user.id, sid, iat: now + 3600, exp: now + 3600 + 600 }));
    // The control: exactly the issuer's lifetime is fine.
    expect((await get("/v1/users/me", bearer(await signToken({ sub: user.id, sid, iat: now, exp: now + 900 })))).status).toBe(200);
  });

  it("refuses the access token of a session that logged out", async ({ expect }) => {
    const { accessToken, headers } = await createUser();
    expect((await get("/v1/users/me", bearer(accessToken))).status).toBe(200);
    const out = await post("/v1/auth/logout", {}, headers);
    expect(out.status).toBe(204);
    await expectRejected(expect, accessToken);
  });

  it("publishes the verifying keys at /.well-known/jwks.json, public parts only", async ({ expect }) => {
    const res = await get("/.well-known/jwks.json");
    expect(res.status).toBe(200);
    const jwks = await res.json<{ keys: Record<string, unknown>[] }>();
    expect(jwks.keys.map((k) => k.kid)).toContain(signingJwk().kid);
    for (const key of jwks.keys) {
      expect(key).not.toHaveProperty("d");
      expect(key).toMatchObject({ kty: "EC", crv: "P-256", alg: "ES256" });
    }
  });
});
