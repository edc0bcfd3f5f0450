// Local-only secrets for development and tests. Never used in production (wrangler secret put there).
import { generateKeyPairSync, randomBytes, randomUUID } from "node:crypto";

/** A private ES256 JWK with a kid: the auth worker signs access tokens with the last key of the list. */
export function newSigningKey() {
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  return { ...privateKey.export({ format: "jwk" }), kid: randomUUID(), alg: "ES256", use: "sig" };
}

/** Every worker's own development secrets: each worker gets only what it needs. */
export function devSecrets() {
  return {
    auth: { JWT_SIGNING_KEYS: JSON.stringify([newSigningKey()]) },
    chat: {},
    calls: {
      TURN_SHARED_SECRET: randomBytes(24).toString("base64url"),
      TURN_KEY_API_TOKEN: `dev-${randomBytes(16).toString("hex")}`,
      REALTIME_APP_SECRET: `dev-${randomBytes(16).toString("hex")}`,
      REALTIMEKIT_API_KEY: `dev-${randomBytes(16).toString("hex")}`,
    },
    storage: {
      R2_ACCOUNT_ID: "local",
      R2_ACCESS_KEY_ID: `dev-${randomBytes(8).toString("hex")}`,
      R2_SECRET_ACCESS_KEY: randomBytes(24).toString("base64url"),
    },
  };
}
