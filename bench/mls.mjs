// bench:mls — what MLS costs a device, with the SDK's adapter (ts-mls 1.6.4, suite
// MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519): encrypt and decrypt per message, and a commit adding
// 1, 10, 100 devices (time to make it, its size and its Welcome's, time for a member to apply it
// and for a new device to join). The same cases (bench/lib/mls-workload.ts, one bundle per runtime)
// in Node and in Debian's headless Chromium.
//
//   node bench/mls.mjs [--sizes=1,10,100] [--messages=500] [--body-bytes=200] [--runtime=both|node|chromium] [--smoke]
//
// --runtime: default `both` when Chromium is installed (CHROMIUM_PATH, else /usr/bin/chromium), else
// `node`; `chromium` alone fails when it is not installed. --no-browser is --runtime=node.
// --smoke: sizes 1,2 and 5 messages in both runtimes (Chromium when installed), nothing written.
import { CHROMIUM, callInChromium, chromiumInstalled, loadInNode } from "./lib/mls-bundle.mjs";
import { args, round, table, writeResults } from "./lib/stats.mjs";

const opts = args();
const SMOKE = opts.smoke === "true";
const sizes = (opts.sizes ?? (SMOKE ? "1,2" : "1,10,100")).split(",").map(Number);
const messages = Number(opts.messages ?? (SMOKE ? 5 : 500));
const bodyBytes = Number(opts["body-bytes"] ?? 200);
const RUNTIMES = ["both", "node", "chromium"];
const runtime = opts["no-browser"] === "true" ? "node" : (opts.runtime ?? (chromiumInstalled() ? "both" : "node"));
if (!RUNTIMES.includes(runtime)) throw new Error(`--runtime must be one of ${RUNTIMES.join(", ")}, not ${runtime}`);
if (runtime !== "node" && !chromiumInstalled())
  throw new Error(`--runtime=${runtime} needs Chromium at ${CHROMIUM} (apt-get install -y chromium, or CHROMIUM_PATH)`);
if (opts.runtime === undefined && !chromiumInstalled()) console.log(`[mls] no Chromium at ${CHROMIUM}: Node only`);
const workload = { sizes, messages, bodyBytes };

async function inNode() {
  const { runMlsWorkload } = await loadInNode();
  return runMlsWorkload(workload);
}

async function inChromium() {
  const { version, result } = await callInChromium("runMlsWorkload", workload);
  return { version, ...result };
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

const node = runtime === "chromium" ? null : await inNode();
const chrome = runtime === "node" ? null : await inChromium();
const messageRow = (where, r) => [where, round(r.encrypt_ms, 3), round(r.decrypt_ms, 3), r.plaintext_bytes, r.ciphertext_bytes];
const messageRows = [...(node ? [messageRow(`node ${process.version}`, node)] : []), ...(chrome ? [messageRow(`Chromium ${chrome.version}`, chrome)] : [])];
const markdown = [
  `### Per message (${messages} messages, Alice → Bob)`,
  "",
  table(["where", "encrypt ms", "decrypt ms", "plaintext B", "ciphertext B"], messageRows),
  "",
  "### A commit adding N devices (to a group of 2)",
  "",
  table(
    ["where", "devices added", "commit ms", "commit B", "Welcome B", "member applies ms", "new device joins ms", "group state B"],
    [...(node ? rows("node", node) : []), ...(chrome ? rows("Chromium", chrome) : [])],
  ),
].join("\n");
console.log(markdown);
if (!SMOKE) writeResults("mls", { options: { ...workload, runtime }, node, chromium: chrome }, markdown);
