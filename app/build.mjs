#!/usr/bin/env node
// `npm run build:app`: bundles the web app (plain TS → one ES module) into app/www/app/: the storage
// worker's static assets (workers/storage/wrangler.toml [assets]), which the gateway serves at /app/.
import { copyFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.join(here, "www", "app");
// Files are overwritten in place, never the folder removed: a running `wrangler dev` watches it.
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [path.join(here, "src", "main.ts")],
  outfile: path.join(out, "app.js"),
  bundle: true,
  format: "esm",
  target: "es2022",
  minify: true,
  sourcemap: true,
  legalComments: "none",
  logLevel: "warning",
});
copyFileSync(path.join(here, "src", "index.html"), path.join(out, "index.html"));
copyFileSync(path.join(here, "src", "styles.css"), path.join(out, "app.css"));
console.log("[build:app] app/www/app/{index.html,app.js,app.css}");
