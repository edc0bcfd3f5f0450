// Development mode for a local `wrangler dev`: every committed wrangler.toml says ENVIRONMENT = "production"
// (so a plain `wrangler deploy` is production), and the dev launchers run gitignored sibling copies
// (`.wrangler-dev.<tag>.toml`, same folder so relative paths hold) that say "development".
// Why copies and not .dev.vars: a config with a [secrets] section loads only its `required` keys from
// .dev.vars (wrangler 4.86), and `--var` reaches only the first config of a multi-config `wrangler dev`.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

const PRODUCTION_LINE = /^ENVIRONMENT = "production"$/m;
const D1_LINE = /^DB_BACKEND = "d1"$/m;
// The auth worker's web-app origin for links in emails: empty in the committed config, the local stack in development.
const APP_URL_LINE = /^APP_URL = ""$/m;

/**
 * A config's text in development mode (and on `backend`), with `vars` replacing the values of
 * existing `KEY = "..."` lines (the local SFU's address for the calls worker) and the auth worker's
 * APP_URL pointing at the local stack on `port`; throws if the config
 * lost its ENVIRONMENT line or a var to replace.
 */
export function developmentConfig(source, { backend = "d1", name = "config", vars = {}, port = process.env.PORT ?? "8787" } = {}) {
  if (!PRODUCTION_LINE.test(source)) throw new Error(`${name}: expected the line ENVIRONMENT = "production" in [vars]`);
  let dev = source.replace(PRODUCTION_LINE, 'ENVIRONMENT = "development"').replace(APP_URL_LINE, `APP_URL = "http://localhost:${port}/app/"`);
  if (backend !== "d1") dev = dev.replace(D1_LINE, `DB_BACKEND = "${backend}"`);
  for (const [key, value] of Object.entries(vars)) {
    const line = new RegExp(`^${key} = ".*"$`, "m");
    if (!line.test(dev)) throw new Error(`${name}: expected a line ${key} = "..." in [vars]`);
    dev = dev.replace(line, `${key} = ${JSON.stringify(String(value))}`);
  }
  return dev;
}

/**
 * Writes the development copy of each config under `root`; returns the copies' paths (relative,
 * same order). `vars` maps a config path to the var values its copy gets.
 */
export function writeDevelopmentConfigs(root, configs, { backend = "d1", tag = backend, vars = {} } = {}) {
  return configs.map((config) => {
    const source = readFileSync(path.join(root, config), "utf8");
    const copy = path.join(path.dirname(config), `.wrangler-dev.${tag}.toml`);
    const text = developmentConfig(source, { backend, name: config, vars: vars[config] ?? {} });
    const target = path.join(root, copy);
    // Rewritten only when it changed: a running `wrangler dev` watches its config and would reload.
    if (!existsSync(target) || readFileSync(target, "utf8") !== text) writeFileSync(target, text);
    return copy;
  });
}
