import { decodeJwt, decodeProtectedHeader } from "jose";
import { describe, it } from "vitest";
import { fromBase64url, toBase64url } from "../../lib/base64url";
import { webPushSubscriptionSchema } from "../../lib/contracts/web-push";
import { webPushEndpointAllowed } from "../../lib/web-push-endpoint";
import { parseVapidKey, vapidAuthorization } from "../../workers/chat/src/push/vapid";
import { encryptWebPush, utf8, WEB_PUSH_MAX_PAYLOAD_BYTES } from "../../workers/chat/src/push/web-push-encryption";
import { decryptAes128gcm } from "../fakes/web-push-service";

/** RFC 8291 Appendix A. */
const RFC = {
  plaintext: "When I grow up, I want to be a watermelon",
  asPublic: "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8",
  asPrivate: "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw",
  uaPublic: "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4",
  uaPrivate: "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94",
  salt: "DGv6ra1nlYgDCS1FRnbzlw",
  auth: "BTBZMqHH6r4Tts7J_aSIgg",
  body: "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN",
};

/** A P-256 key pair from the raw private scalar and the uncompressed public point. */
async function keyPair(privateScalar: string, publicPoint: string): Promise<CryptoKeyPair> {
  const point = fromBase64url(publicPoint);
  const jwk = { kty: "EC", crv: "P-256", x: toBase64url(point.slice(1, 33)), y: toBase64url(point.slice(33)), d: privateScalar };
  const privateKey = await crypto.subtle.importKey("jwk", jwk, { name: "ECDH", namedCurve: "P-256" }, true, ["deriveBits"]);
  const publicKey = await crypto.subtle.importKey("raw", point, { name: "ECDH", namedCurve: "P-256" }, true, []);
  return { privateKey, publicKey };
}

describe("RFC 8291 payload encryption (WebCrypto)", () => {
  it("produces the RFC's Appendix A body byte for byte from its keys and salt", async ({ expect }) => {
    const serverKeys = await keyPair(RFC.asPrivate, RFC.asPublic);
    const body = await encryptWebPush({ p256dh: RFC.uaPublic, auth: RFC.auth }, utf8(RFC.plaintext), { salt: fromBase64url(RFC.salt), serverKeys });
    expect(toBase64url(body)).toBe(RFC.body);
  });

  it("decrypts the RFC's body with the browser's private key (the fake push service's own decryption)", async ({ expect }) => {
    const ua = await keyPair(RFC.uaPrivate, RFC.uaPublic);
    const text = await decryptAes128gcm(fromBase64url(RFC.body), {
      privateKey: ua.privateKey,
      publicKey: fromBase64url(RFC.uaPublic),
      auth: fromBase64url(RFC.auth),
    });
    expect(text).toBe(RFC.plaintext);
  });

  it("uses a fresh key and salt per message, so two encryptions of one payload differ but both decrypt", async ({ expect }) => {
    const ua = await keyPair(RFC.uaPrivate, RFC.uaPublic);
    const receiver = { privateKey: ua.privateKey, publicKey: fromBase64url(RFC.uaPublic), auth: fromBase64url(RFC.auth) };
    const keys = { p256dh: RFC.uaPublic, auth: RFC.auth };
    const [a, b] = await Promise.all([encryptWebPush(keys, utf8("same")), encryptWebPush(keys, utf8("same"))]);
    expect(toBase64url(a)).not.toBe(toBase64url(b));
    expect(await decryptAes128gcm(a, receiver)).toBe("same");
    expect(await decryptAes128gcm(b, receiver)).toBe("same");
  });

  it("refuses a payload that would not fit one 4096-byte record", async ({ expect }) => {
    const keys = { p256dh: RFC.uaPublic, auth: RFC.auth };
    expect((await encryptWebPush(keys, new Uint8Array(WEB_PUSH_MAX_PAYLOAD_BYTES))).length).toBe(4096);
    await expect(encryptWebPush(keys, new Uint8Array(WEB_PUSH_MAX_PAYLOAD_BYTES + 1))).rejects.toThrow(/too large/);
  });
});

describe("VAPID (RFC 8292)", () => {
  it("signs an ES256 JWT for the endpoint's origin, expiring within 24 h, with the subject, and sends the public key", async ({ expect }) => {
    const pair = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign"])) as CryptoKeyPair;
    const jwk = (await crypto.subtle.exportKey("jwk", pair.privateKey)) as JsonWebKey;
    const vapid = parseVapidKey(JSON.stringify(jwk), "mailto:ops@example.com");
    if (!vapid) throw new Error("key not accepted");
    expect(vapid.publicKey).toBe(toBase64url(new Uint8Array((await crypto.subtle.exportKey("raw", pair.publicKey)) as ArrayBuffer)));
    const now = Date.now();
    const header = await vapidAuthorization(vapid, "https://push.example.net/wpush/v2/abc?x=1", now);
    const [, token, k] = /^vapid t=([^,]+), k=(.+)$/.exec(header) ?? [];
    expect(k).toBe(vapid.publicKey);
    expect(decodeProtectedHeader(token ?? "")).toMatchObject({ alg: "ES256", typ: "JWT" });
    const claims = decodeJwt(token ?? "");
    expect(claims.aud).toBe("https://push.example.net");
    expect(claims.sub).toBe("mailto:ops@example.com");
    expect(claims.exp).toBeGreaterThan(now / 1000);
    expect(claims.exp).toBeLessThanOrEqual(now / 1000 + 24 * 3600);
    // The same origin reuses the token; another origin gets its own audience.
    expect(await vapidAuthorization(vapid, "https://push.example.net/other", now)).toBe(header);
    expect(decodeJwt(/t=([^,]+)/.exec(await vapidAuthorization(vapid, "https://fcm.googleapis.com/fcm/send/x", now))?.[1] ?? "").aud).toBe(
      "https://fcm.googleapis.com",
    );
  });

  it("accepts only a private P-256 JWK as the key", ({ expect }) => {
    expect(parseVapidKey("not json", "mailto:a@b.c")).toBeUndefined();
    expect(parseVapidKey(JSON.stringify({ kty: "EC", crv: "P-256", x: "a", y: "b" }), "mailto:a@b.c")).toBeUndefined();
  });
});

describe("subscriptions and endpoints", () => {
  const keys = { p256dh: RFC.uaPublic, auth: RFC.auth };
  it("validates PushSubscription.toJSON(): https endpoint, a 65-byte p256dh point, a 16-byte auth secret", ({ expect }) => {
    expect(webPushSubscriptionSchema.safeParse({ endpoint: "https://fcm.googleapis.com/fcm/send/abc", expirationTime: null, keys }).success).toBe(true);
    for (const bad of [
      { endpoint: "http://fcm.googleapis.com/fcm/send/abc", keys },
      { endpoint: "javascript:alert(1)", keys },
      { endpoint: "https://fcm.googleapis.com/x", keys: { ...keys, p256dh: RFC.uaPublic.slice(1) } },
      { endpoint: "https://fcm.googleapis.com/x", keys: { ...keys, p256dh: `A${RFC.uaPublic.slice(1)}` } },
      { endpoint: "https://fcm.googleapis.com/x", keys: { ...keys, auth: `${RFC.auth}AA` } },
      { endpoint: "https://fcm.googleapis.com/x", keys: { ...keys, auth: "BTBZMqHH6r4Tts7J_aSIg+" } },
      { endpoint: "https://fcm.googleapis.com/x" },
    ]) {
      expect(webPushSubscriptionSchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
  });

  it("refuses loopback, private-network and IP-literal hosts in production (SSRF), accepts public push services", ({ expect }) => {
    for (const ok of ["https://fcm.googleapis.com/fcm/send/x", "https://updates.push.services.mozilla.com/wpush/v2/x", "https://web.push.apple.com/x"]) {
      expect(webPushEndpointAllowed(ok, true), ok).toBe(true);
    }
    for (const bad of [
      "https://127.0.0.1/x",
      "https://2130706433/x",
      "https://0x7f.1/x",
      "https://10.0.0.8/x",
      "https://192.168.1.1/x",
      "https://172.16.0.1/x",
      "https://169.254.169.254/latest/meta-data",
      "https://[::1]/x",
      "https://[fd00::1]/x",
      "https://localhost/x",
      "https://push.localhost/x",
      "https://printer.local/x",
      "https://metadata.google.internal/x",
      "https://intranet/x",
      "https://user:pw@fcm.googleapis.com/x",
      "https://fcm.googleapis.com:8443/x",
      "http://fcm.googleapis.com/x",
    ]) {
      expect(webPushEndpointAllowed(bad, true), bad).toBe(false);
    }
    expect(webPushEndpointAllowed("https://127.0.0.1:9443/x", false)).toBe(true);
  });
});
