// bench:mls — what MLS costs a device, with the SDK's adapter (ts-mls 1.6.4, suite
// MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519): encrypt and decrypt per message, and a commit adding
// 1, 10, 100 devices (time to make it, its size and its Welcome's, time for a member to apply it
// and for a new device to join). In Node and, when Chromium is installed, in headless Chromium.
//
//   node bench/mls.mjs [--sizes=1,10,100] [--messages=500] [--body-bytes=200] [--no-browser] [--smoke]
import { build } from "esbuild";
import { existsSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { root } from "./lib/stack.mjs";
import { args, round, table, writeResults } from "./lib/stats.mjs";

const opts = args();
const SMOKE = opts.smoke === "true";
const sizes = (opts.sizes ?? (SMOKE ? "1,2" : "1,10,100")).split(",").map(Number);
const messages = Number(opts.messages ?? (SMOKE ? 5 : 500));
const bodyBytes = Number(opts["body-bytes"] ?? 200);
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const browser = opts["no-browser"] !== "true" && !SMOKE && existsSync(CHROMIUM);
const entry = path.join(root, "bench", "lib", "mls-workload.ts");
const workload = { sizes, messages, bodyBytes };

async function inNode() {
  const outfile = path.join(root, "bench", "out", "mls-workload.mjs");
  await build({ entryPoints: [entry], bundle: true, format: "esm", platform: "node", outfile, logLevel: "error" });
  const { runMlsWorkload } = await import(`${pathToFileURL(outfile).href}?t=${Date.now()}`);
  return runMlsWorkload(workload);
}

async function inChromium() {
  const bundled = await build({
    entryPoints: [entry],
    bundle: true,
    format: "iife",
    globalName: "mlsBench",
    platform: "browser",
    write: false,
    logLevel: "error",
  });
  const { chromium } = await import("playwright-core");
  const instance = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox"] });
  try {
    const page = await instance.newPage();
    // A secure context (localhost), as the web app has: WebCrypto's Ed25519 and X25519 exist only there.
    await page.route("http://localhost/mls-bench", (route) => route.fulfill({ contentType: "text/html", body: "<!doctype html><title>mls bench</title>" }));
    await page.goto("http://localhost/mls-bench");
    await page.addScriptTag({ content: bundled.outputFiles[0].text });
    return { version: instance.version(), ...(await page.evaluate((w) => globalThis.mlsBench.runMlsWorkload(w), workload)) };
  } finally {
    await instance.close();
  }
}

function rows(where, r) {
  return r.commits.map((c) => [
    where,
    c.devices_added,
    round(c.commit_ms, 1),
    c.commit_bytes,
    c.welcome_bytes,
    round(c.apply_at_member_ms, 1),
    round(c.join_from_welcome_ms, 1),
    c.group_state_bytes,
  ]);
}

const node = await inNode();
const chrome = browser ? await inChromium() : null;
const messageRows = [[`node ${process.version}`, round(node.encrypt_ms, 3), round(node.decrypt_ms, 3), node.plaintext_bytes, node.ciphertext_bytes]];
if (chrome)
  messageRows.push([`Chromium ${chrome.version}`, round(chrome.encrypt_ms, 3), round(chrome.decrypt_ms, 3), chrome.plaintext_bytes, chrome.ciphertext_bytes]);
const markdown = [
  `### Per message (${messages} messages, Alice → Bob)`,
  "",
  table(["where", "encrypt ms", "decrypt ms", "plaintext B", "ciphertext B"], messageRows),
  "",
  "### A commit adding N devices (to a group of 2)",
  "",
  table(
    ["where", "devices added", "commit ms", "commit B", "Welcome B", "member applies ms", "new device joins ms", "group state B"],
    [...rows("node", node), ...(chrome ? rows("Chromium", chrome) : [])],
  ),
].join("\n");
console.log(markdown);
if (!SMOKE) writeResults("mls", { options: workload, node, chromium: chrome }, markdown);
