#!/usr/bin/env node
// `npm run build:app`: bundles the web app (plain TS → one ES module) into app/www/app/: the storage
// worker's static assets (workers/storage/wrangler.toml [assets]), which the gateway serves at /app/.
// It also copies Swagger UI (the pinned swagger-ui-dist package) and the /docs init script into
// app/www/app/docs/, so the docs page loads nothing from a CDN and the ~1.7 MB bundle stays out of
// the gateway's own bundle. No source maps are emitted or copied (app/www/.assetsignore drops any).
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.join(here, "www", "app");
// Files are overwritten in place, never the folder removed: a running `wrangler dev` watches it.
mkdirSync(out, { recursive: true });
/** The app and its service worker are bundled alike. */
const bundled = { bundle: true, target: "es2022", minify: true, sourcemap: false, legalComments: "none", logLevel: "warning" };
// Split: what the app loads on demand (RealtimeKit's SDK, ~600 KB, only where a deployment runs group
// calls on it) is a chunk of its own under chunks/, replaced on every build.
rmSync(path.join(out, "chunks"), { recursive: true, force: true });
const app = await build({
  ...bundled,
  entryPoints: [path.join(here, "src", "main.ts")],
  outdir: out,
  entryNames: "app",
  chunkNames: "chunks/[name]-[hash]",
  splitting: true,
  format: "esm",
  metafile: true,
});
// Every chunk but RealtimeKit's is part of the shell: app.js imports some of them statically, so the
// app cannot start offline without them.
const chunks = Object.entries(app.metafile.outputs)
  .filter(([file, output]) => file.endsWith(".js") && path.resolve(file).startsWith(path.join(out, "chunks")))
  .filter(([, output]) => !Object.keys(output.inputs).some((input) => input.includes("node_modules/@cloudflare/realtimekit")))
  .map(([file]) => `./${path.relative(out, path.resolve(file)).split(path.sep).join("/")}`);
rmSync(path.join(out, "app.js.map"), { force: true }); // left by builds that emitted one
copyFileSync(path.join(here, "src", "index.html"), path.join(out, "index.html"));
// The styles go through esbuild's CSS parser: a block left open (an easy merge mistake, which CSS
// nesting would silently turn into rules that never match) fails the build instead of the screens.
const css = await build({ entryPoints: [path.join(here, "src", "styles.css")], outfile: path.join(out, "app.css"), bundle: true, logLevel: "silent" });
if (css.warnings.length > 0) throw new Error(`app/src/styles.css: ${css.warnings.map((w) => `${w.location?.line ?? "?"}: ${w.text}`).join("; ")}`);

// The service worker (app/src/sw/service-worker.ts: offline shell and Web Push) is a classic script
// (module service workers are not in every browser); at /app/sw.js its scope is /app/. Its shell cache
// is named after a hash of the shell: a build that changes the shell installs a new worker, which
// drops the old cache.
const shellHash = createHash("sha256");
for (const file of ["index.html", "app.js", "app.css", ...chunks]) shellHash.update(readFileSync(path.join(out, file)));
await build({
  ...bundled,
  entryPoints: [path.join(here, "src", "sw", "service-worker.ts")],
  outfile: path.join(out, "sw.js"),
  format: "iife",
  define: { SHELL_VERSION: JSON.stringify(shellHash.digest("hex").slice(0, 16)), SHELL_CHUNKS: JSON.stringify(chunks) },
});

// Served at /app/docs/ (DOCS_ASSETS_PATH in workers/gateway/src/routes/docs.ts).
const docs = path.join(out, "docs");
mkdirSync(docs, { recursive: true });
const swaggerDir = path.dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
for (const file of ["swagger-ui-bundle.js", "swagger-ui.css"]) {
  // Their trailing sourceMappingURL comment points at a map we do not serve; drop it.
  const text = readFileSync(path.join(swaggerDir, file), "utf8").replace(/\n?\/[/*]# sourceMappingURL=\S+?(?:\s*\*\/)?\s*$/, "\n");
  writeFileSync(path.join(docs, file), text);
}
copyFileSync(path.join(here, "src", "docs-init.js"), path.join(docs, "docs-init.js"));
console.log("[build:app] app/www/app/{index.html,app.js,chunks/,sw.js,app.css}, app/www/app/docs/{swagger-ui-bundle.js,swagger-ui.css,docs-init.js}");
