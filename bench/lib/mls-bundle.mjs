// bench/lib/mls-workload.ts (the SDK's MLS adapter, ts-mls with noble) bundled with esbuild, for Node
// and for Debian's Chromium: bench:mls runs the same cases in both, bench:fanout --encrypted takes a
// real application message from it. One entry point, so every runtime measures the same code.
import { build } from "esbuild";
import { existsSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { root } from "./stack.mjs";

const entry = path.join(root, "bench", "lib", "mls-workload.ts");

/** Debian's Chromium (`apt-get install -y chromium`), as browser/helpers.ts; CHROMIUM_PATH overrides. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const chromiumInstalled = () => existsSync(CHROMIUM);

/**
 * browser/helpers.ts's launch flags without the fake camera/microphone and WebRTC ones (no media
 * here): no background networking, component updates or sync competing with the measurement.
 */
const FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

/** The workload module in this Node process (bench/out/mls-workload.mjs, rebuilt on every call). */
export async function loadInNode() {
  const outfile = path.join(root, "bench", "out", "mls-workload.mjs");
  await build({ entryPoints: [entry], bundle: true, format: "esm", platform: "node", outfile, logLevel: "error" });
  return import(`${pathToFileURL(outfile).href}?t=${Date.now()}`);
}

/**
 * Calls one export of the workload in headless Chromium with a JSON argument and returns its JSON
 * result, with the browser's version. The page is http://localhost (fulfilled by Playwright, no
 * server): a secure context, as the web app has, since WebCrypto's Ed25519 and X25519 exist only there.
 */
export async function callInChromium(exportName, argument) {
  const bundled = await build({
    entryPoints: [entry],
    bundle: true,
    format: "iife",
    globalName: "mlsBench",
    platform: "browser",
    write: false,
    logLevel: "error",
  });
  const script = bundled.outputFiles[0]?.text;
  if (!script) throw new Error("esbuild produced no browser bundle of mls-workload.ts");
  const { chromium } = await import("playwright-core");
  const instance = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
  try {
    const page = await instance.newPage();
    const errors = [];
    page.on("pageerror", (err) => errors.push(err.message));
    await page.route("http://localhost/mls-bench", (route) => route.fulfill({ contentType: "text/html", body: "<!doctype html><title>mls bench</title>" }));
    await page.goto("http://localhost/mls-bench");
    await page.addScriptTag({ content: script });
    const result = await page.evaluate(([name, arg]) => globalThis.mlsBench[name](arg), [exportName, argument]);
    if (errors.length > 0) throw new Error(`Chromium page errors: ${errors.join("; ")}`);
    return { version: instance.version(), result };
  } finally {
    await instance.close();
  }
}
