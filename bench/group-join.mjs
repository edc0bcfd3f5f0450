// bench:group-join — end-to-end join time of a group call's 3rd, 4th and 6th participant, in real
// Chromium (playwright-core, Debian's chromium) through the web app, the calls worker's SFU proxy and
// the local SFU that `npm run dev` starts. Participants join one after another; for the k-th joiner
// we time, from the click on "Answer": (a) until its page decodes video from all k-1 others, and
// (b) until every earlier page decodes the newcomer's video. Each fake camera is a small canvas.
//
//   node bench/group-join.mjs [--people=6] [--measure=3,4,6] [--runs=1]
//   BENCH_BASE_URL=http://127.0.0.1:8787 reuses a running `npm run dev` (else one is started).
import { performance } from "node:perf_hooks";
import { chromium } from "playwright-core";
import { startDevStack } from "../scripts/lib/stack-launcher.mjs";
import { api, createGroup, expectStatus, registerUsers } from "./lib/api.mjs";
import { args, round, table, writeResults } from "./lib/stats.mjs";

const opts = args();
const PEOPLE = Number(opts.people ?? 6);
const MEASURE = (opts.measure ?? "3,4,6")
  .split(",")
  .map(Number)
  .filter((k) => k <= PEOPLE);
const RUNS = Number(opts.runs ?? 1);
const TIMEOUT_MS = 90_000;

/** Signed in before the app loads (the app keeps tokens per tab), and a canvas camera of its own colour. */
function initScript(user, hue) {
  const tokens = {
    accessToken: user.accessToken,
    refreshToken: user.refreshToken,
    expiresAt: Date.now() + 10 * 60_000,
    user: { id: user.id },
    deviceId: user.deviceId ?? undefined,
  };
  return `(() => {
    sessionStorage.setItem("secureconnect.tokens", ${JSON.stringify(JSON.stringify(tokens))});
    const original = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
    navigator.mediaDevices.getUserMedia = async () => {
      const mic = await original({ audio: true });
      const canvas = document.createElement("canvas");
      canvas.width = 160; canvas.height = 120;
      const ctx = canvas.getContext("2d");
      let n = 0;
      setInterval(() => { ctx.fillStyle = "hsl(${hue} 70% 50%)"; ctx.fillRect(0, 0, 160, 120); ctx.fillStyle = "#000"; ctx.fillRect((n++ * 4) % 160, 0, 4, 10); }, 100);
      return new MediaStream([...mic.getAudioTracks(), ...canvas.captureStream(10).getVideoTracks()]);
    };
  })();`;
}

/** User ids whose tile on this page has decoded video. */
const decoding = (page) =>
  page.evaluate(() =>
    [...document.querySelectorAll("[data-testid=tile]")].filter((t) => Number(t.dataset.framesDecoded ?? 0) > 0).map((t) => t.dataset.userId),
  );

async function until(check, what) {
  const deadline = performance.now() + TIMEOUT_MS;
  while (performance.now() < deadline) {
    if (await check()) return performance.now();
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out: ${what}`);
}

async function shots(pages) {
  for (const [i, page] of pages.entries()) await page.screenshot({ path: `test-results/bench-group-join-${i + 1}.png` }).catch(() => undefined);
}

async function run(base, browser) {
  const users = await registerUsers(base, PEOPLE, { label: "gj" });
  const [owner, ...others] = users;
  await createGroup(base, owner, others);
  const pages = [];
  for (const [i, user] of users.entries()) {
    const context = await browser.newContext({ baseURL: base, viewport: { width: 1000, height: 700 }, permissions: ["camera", "microphone"] });
    await context.addInitScript({ content: initScript(user, (i * 360) / PEOPLE) });
    const page = await context.newPage();
    await page.goto("/app/");
    await page.getByTestId("conversation").first().waitFor();
    pages.push(page);
  }
  await pages[0].getByTestId("conversation").first().click();
  await pages[0].getByTestId("start-call").click();
  const rows = [];
  for (let k = 2; k <= PEOPLE; k++) {
    const page = pages[k - 1];
    const earlier = users.slice(0, k - 1).map((u) => u.id);
    await page.getByTestId("accept-call").waitFor({ timeout: TIMEOUT_MS });
    const t0 = performance.now();
    await page.getByTestId("accept-call").click();
    const [seesAll, seenByAll] = await Promise.all([
      // (On a timeout: test-results/bench-group-join-<i>.png shows what each page had.)
      until(async () => {
        const ids = await decoding(page);
        return earlier.every((id) => ids.includes(id));
      }, `joiner ${k} decodes everyone`),
      until(async () => (await Promise.all(pages.slice(0, k - 1).map(decoding))).every((ids) => ids.includes(users[k - 1].id)), `everyone decodes joiner ${k}`),
    ]).catch(async (err) => {
      await shots(pages);
      throw err;
    });
    if (MEASURE.includes(k)) rows.push({ participant: k, joiner_sees_all_ms: round(seesAll - t0), all_see_joiner_ms: round(seenByAll - t0) });
  }
  for (const page of pages) await page.context().close();
  expectStatus(await api(base, "GET", "/health"), 200, "health");
  return rows;
}

const external = process.env.BENCH_BASE_URL;
const stack = external ? null : await startDevStack({ statePrefix: "sc-bench-gj-" });
const base = external ?? stack.baseUrl;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  headless: true,
  args: [
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-features=WebRtcHideLocalIpsWithMdns",
  ],
});
try {
  const results = [];
  for (let r = 0; r < RUNS; r++) results.push(...(await run(base, browser)));
  const markdown = table(
    ["participant", "joiner decodes all others (ms)", "all others decode joiner (ms)"],
    results.map((r) => [r.participant, r.joiner_sees_all_ms, r.all_see_joiner_ms]),
  );
  console.log(markdown);
  writeResults("group-join", { people: PEOPLE, runs: RUNS, results }, markdown);
} finally {
  await browser.close();
  stack?.stop();
}
