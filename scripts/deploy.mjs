#!/usr/bin/env node
// `npm run deploy`: from a logged-in Cloudflare account (`npx wrangler login`) to the five workers running.
// 1. creates the D1 database, KV namespace, R2 bucket, queues (+ dead-letter queues) and, with
//    DB_BACKEND=postgres, Hyperdrive; ids a config still holds as placeholders are named with where to write them,
// 2. applies the D1 migrations remotely, 3. deploys the workers in binding order, the gateway last,
// 4. names the production secrets still unset (never a value).
// `npm run deploy -- --dry-run` needs no account and no network: it builds each worker's upload bundle
// into dist/<worker>/ from the committed (production) configs and checks it.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { deployOrder, environmentFromDryRun, missingSecrets, readConfig, resourcesToCreate } from "./lib/deploy-plan.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const CONFIGS = ["wrangler.toml", ...["auth", "chat", "calls", "storage"].map((w) => `workers/${w}/wrangler.toml`)];
const dryRun = process.argv.includes("--dry-run");
const backend = process.env.DB_BACKEND ?? "d1";
const wrangler = path.join(root, "node_modules", ".bin", "wrangler");

const configs = CONFIGS.map((p) => ({ path: p, config: readConfig(readFileSync(path.join(root, p), "utf8")) }));
const workerOf = (configPath) => (configPath === "wrangler.toml" ? "gateway" : path.basename(path.dirname(configPath)));

function wranglerRun(args, { capture = false } = {}) {
  const result = spawnSync(wrangler, args, { cwd: root, encoding: "utf8", stdio: capture ? "pipe" : "inherit", env: { ...process.env, CI: "true" } });
  return { status: result.status ?? 1, output: `${result.stdout ?? ""}${result.stderr ?? ""}` };
}

/** Every value in a gitignored .dev.vars next to a config: none may end up in an upload bundle. */
function devVarsValues() {
  return CONFIGS.flatMap((c) => {
    const file = path.join(root, path.dirname(c), ".dev.vars");
    if (!existsSync(file)) return [];
    return [...readFileSync(file, "utf8").matchAll(/^[A-Z0-9_]+='?([^'\n]*)'?$/gm)].map((m) => m[1]).filter((v) => v.length >= 8);
  });
}

function filesUnder(dir) {
  return readdirSync(dir).flatMap((f) => (statSync(path.join(dir, f)).isDirectory() ? filesUnder(path.join(dir, f)) : [path.join(dir, f)]));
}

const { order, cycles } = deployOrder(configs);
const resources = resourcesToCreate(configs, { backend });

if (dryRun) {
  console.log("[deploy] dry run: no account, no network. A real deploy would:");
  for (const r of resources) console.log(`  create ${r.kind} ${r.name}: wrangler ${r.command.join(" ")}`);
  console.log("  apply D1 migrations: wrangler d1 migrations apply secureconnect --remote -c workers/auth/wrangler.toml");
  console.log(`  deploy in order: ${order.map(workerOf).join(", ")}`);
  for (const cycle of cycles) console.log(`  note: ${cycle.join(" → ")} bind each other (a fresh account may need a second npm run deploy)`);
  const secretValues = devVarsValues();
  let failed = false;
  for (const configPath of order) {
    const worker = workerOf(configPath);
    const outdir = path.join("dist", worker);
    const { status, output } = wranglerRun(["deploy", "--dry-run", "--outdir", path.join(root, outdir), "-c", configPath], { capture: true });
    const environment = environmentFromDryRun(output);
    const bundle = path.join(root, outdir, "index.js");
    const problems = [
      ...(status === 0 ? [] : [`wrangler exited with ${status}:\n${output}`]),
      ...(environment === "production" ? [] : [`ENVIRONMENT is ${JSON.stringify(environment)}, not "production"`]),
      ...(existsSync(bundle) ? [] : [`no bundle at ${outdir}/index.js`]),
    ];
    if (existsSync(path.join(root, outdir))) {
      for (const file of filesUnder(path.join(root, outdir))) {
        const text = readFileSync(file, "utf8");
        if (secretValues.some((v) => text.includes(v))) problems.push(`${path.relative(root, file)} contains a .dev.vars value`);
      }
    }
    if (secretValues.some((v) => output.includes(v))) problems.push("the bindings wrangler would upload include a .dev.vars value");
    const size = existsSync(bundle) ? `${Math.round(statSync(bundle).size / 1024)} KiB` : "missing";
    console.log(`[deploy] ${worker}: ${problems.length === 0 ? "ok" : "FAILED"} (${outdir}/index.js ${size}, ENVIRONMENT=${environment ?? "?"})`);
    for (const p of problems) console.error(`  ${p}`);
    failed ||= problems.length > 0;
  }
  process.exit(failed ? 1 : 0);
}

for (const cycle of cycles) {
  console.warn(
    `[deploy] ${cycle.join(" → ")} bind each other: on a fresh account, if the first deploy of ${cycle[0]} fails for want of ${cycle[1]}, run npm run deploy again (the second pass finds it).`,
  );
}

console.log("[deploy] creating what is missing (an existing resource is reported by wrangler and kept)");
const idsToWrite = [];
for (const r of resources) {
  if (r.kind === "hyperdrive") {
    if (r.placeholder) idsToWrite.push(`create it: wrangler ${r.command.join(" ")}; then put the printed id as the ${r.writes} in ${r.configs.join(", ")}`);
    continue; // needs the connection string: printed, never guessed
  }
  const { status, output } = wranglerRun(r.command, { capture: true });
  const already = /already exists|already taken|10026|11009/i.test(output);
  console.log(`  ${r.kind} ${r.name}: ${status === 0 ? "created" : already ? "exists" : `failed (wrangler ${r.command.join(" ")})`}`);
  if (status !== 0 && !already) console.error(output);
  if (r.placeholder) {
    const id = /"?(?:database_id|id)"?\s*[=:]\s*"([0-9a-f-]{32,36})"/.exec(output)?.[1];
    idsToWrite.push(`${r.writes} in ${r.configs.join(", ")} = "${id ?? `<the id from: wrangler ${r.kind === "d1" ? "d1 list" : "kv namespace list"}>`}"`);
  }
}
if (idsToWrite.length > 0) {
  console.error("[deploy] the configs still hold placeholder ids; write these, then run npm run deploy again:");
  for (const line of idsToWrite) console.error(`  ${line}`);
  process.exit(1);
}

console.log("[deploy] D1 migrations (remote)");
if (wranglerRun(["d1", "migrations", "apply", "secureconnect", "--remote", "-c", "workers/auth/wrangler.toml"]).status !== 0) process.exit(1);

for (const configPath of order) {
  console.log(`[deploy] ${workerOf(configPath)}: wrangler deploy -c ${configPath}`);
  if (wranglerRun(["deploy", "-c", configPath]).status !== 0) process.exit(1);
}

let unset = 0;
for (const { path: configPath, config } of configs) {
  const list = wranglerRun(["secret", "list", "--format", "json", "-c", configPath], { capture: true });
  const missing = missingSecrets(config, list.status === 0 ? list.output.slice(list.output.indexOf("[")) : "[]");
  for (const name of missing.required) console.warn(`[deploy] ${workerOf(configPath)}: secret ${name} is unset: wrangler secret put ${name} -c ${configPath}`);
  for (const name of missing.optional)
    console.log(`[deploy] ${workerOf(configPath)}: optional secret ${name} is unset (wrangler secret put ${name} -c ${configPath})`);
  unset += missing.required.length;
}
console.log(
  unset === 0
    ? '[deploy] done: GET /v1/health on the gateway\'s URL should say environment "production"'
    : `[deploy] deployed; ${unset} required secret(s) unset: /v1/health names them and answers 503 until they are put`,
);
