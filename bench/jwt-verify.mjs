// Token verification cost per operation, in Node (workerd freezes timers during CPU work, so a
// per-operation figure cannot be taken inside it). Bundles the gateway's real lib/jwt.ts with esbuild
// and times `verifyAccessToken` as the gateway calls it (a fresh createLocalJWKSet per call), and
// the same verification with the key set built once, to show what the per-call import costs.
//
//   node bench/jwt-verify.mjs [--iterations=3000]
import { build } from "esbuild";
import { createLocalJWKSet, exportJWK, generateKeyPair, jwtVerify, SignJWT } from "jose";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { root } from "./lib/stack.mjs";
import { args, round } from "./lib/stats.mjs";

const ISSUER = "https://secureconnect.local";
const AUDIENCE = "secureconnect-api";

async function loadGatewayJwt() {
  const outfile = path.join(root, "bench", "out", "jwt.mjs");
  await build({
    entryPoints: [path.join(root, "lib", "jwt.ts")],
    bundle: true,
    format: "esm",
    platform: "node",
    outfile,
    logLevel: "error",
  });
  return import(`${pathToFileURL(outfile).href}?t=${Date.now()}`);
}

async function timePerOp(iterations, fn) {
  for (let i = 0; i < Math.min(200, iterations); i++) await fn(); // warm-up
  const t0 = performance.now();
  for (let i = 0; i < iterations; i++) await fn();
  return (performance.now() - t0) / iterations;
}

export async function measureJwtVerify(iterations = 3000) {
  const { verifyAccessToken } = await loadGatewayJwt();
  const { privateKey, publicKey } = await generateKeyPair("ES256", { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: "bench", alg: "ES256", use: "sig" };
  const jwks = { keys: [jwk] };
  const now = Math.floor(Date.now() / 1000);
  const token = await new SignJWT({ sid: "session-1" })
    .setProtectedHeader({ alg: "ES256", kid: "bench", typ: "JWT" })
    .setSubject("user-1")
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt(now)
    .setExpirationTime(now + 900)
    .sign(privateKey);
  const options = { issuer: ISSUER, audience: AUDIENCE };
  if (!(await verifyAccessToken(token, jwks, options))) throw new Error("the bench token does not verify");
  const asGateway = await timePerOp(iterations, () => verifyAccessToken(token, jwks, options));
  const cachedSet = createLocalJWKSet(jwks);
  const cached = await timePerOp(iterations, () => jwtVerify(token, cachedSet, { algorithms: ["ES256"], issuer: ISSUER, audience: AUDIENCE }));
  return {
    where: `node ${process.version} (WebCrypto), lib/jwt.ts bundled by esbuild`,
    iterations,
    gateway_verify_ms: round(asGateway, 4),
    cached_keyset_verify_ms: round(cached, 4),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const opts = args();
  console.log(await measureJwtVerify(Number(opts.iterations ?? 3000)));
}
