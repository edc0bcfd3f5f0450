// Token verification cost per operation, in Node (workerd freezes timers during CPU work, so a
// per-operation figure cannot be taken inside it). Bundles the gateway's real lib/jwt.ts with esbuild
// and times `verifyAccessToken` as the gateway calls it: a token the isolate has not seen (a full
// ES256 verification), and a token it has already verified (the steady state: a client reuses one
// access token for its whole life), plus jose's own jwtVerify as a reference.
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
  const sign = (sid) =>
    new SignJWT({ sid })
      .setProtectedHeader({ alg: "ES256", kid: "bench", typ: "JWT" })
      .setSubject("user-1")
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(now)
      .setExpirationTime(now + 900)
      .sign(privateKey);
  const token = await sign("session-1");
  const options = { issuer: ISSUER, audience: AUDIENCE };
  if (!(await verifyAccessToken(token, jwks, options))) throw new Error("the bench token does not verify");
  // Distinct tokens, each verified once: what a token costs the first time an isolate sees it.
  const fresh = await Promise.all(Array.from({ length: iterations + 200 }, (_, i) => sign(`session-${i}`)));
  let next = 0;
  const firstSight = await timePerOp(iterations, () => verifyAccessToken(fresh[next++], jwks, options));
  const repeat = await timePerOp(iterations, () => verifyAccessToken(token, jwks, options));
  const keySet = createLocalJWKSet(jwks);
  const jose = await timePerOp(iterations, () => jwtVerify(token, keySet, { algorithms: ["ES256"], issuer: ISSUER, audience: AUDIENCE }));
  return {
    where: `node ${process.version} (WebCrypto), lib/jwt.ts bundled by esbuild`,
    iterations,
    first_sight_verify_ms: round(firstSight, 4),
    repeat_verify_ms: round(repeat, 4),
    jose_verify_ms: round(jose, 4),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const opts = args();
  console.log(await measureJwtVerify(Number(opts.iterations ?? 3000)));
}
