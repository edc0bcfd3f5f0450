import { mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { inject } from "vitest";

export const baseUrl = inject("baseUrl");
export const ARTIFACTS = path.resolve(import.meta.dirname, "..", "test-results", "browser");

/** Debian's Chromium (`apt-get install -y chromium`); CHROMIUM_PATH overrides. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const FLAGS = [
  "--use-fake-device-for-media-stream",
  "--use-fake-ui-for-media-stream",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  // Host candidates with real addresses (not mDNS names), so two peers on this machine connect with no STUN.
  "--disable-features=WebRtcHideLocalIpsWithMdns",
];

export async function launch(): Promise<Browser> {
  rmSync(ARTIFACTS, { recursive: true, force: true }); // no screenshots left over from an earlier run
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
}

export interface Person {
  context: BrowserContext;
  page: Page;
  username: string;
  /** Page errors and console errors (CSP violations show up here). */
  errors: string[];
}

let n = 0;
function unique(prefix: string): string {
  n += 1;
  return `${prefix}${Date.now().toString(36)}${n}${Math.random().toString(36).slice(2, 5)}`;
}

/** A separate browser profile that signs up through the app's own form. */
export async function signUp(browser: Browser, displayName: string): Promise<Person> {
  const context = await browser.newContext({ baseURL: baseUrl, viewport: { width: 1100, height: 760 }, permissions: ["camera", "microphone"] });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (err) => errors.push(`pageerror: ${err.message}`));
  page.on("console", (msg) => {
    if (msg.type() === "error") errors.push(`console: ${msg.text()}`);
  });
  const username = unique(displayName.toLowerCase()).slice(0, 30);
  await page.goto("/app/");
  await page.getByTestId("email").fill(`${username}@example.com`);
  await page.getByTestId("password").fill("correct horse battery staple");
  await page.getByTestId("username").fill(username);
  await page.getByTestId("display_name").fill(displayName);
  await page.getByTestId("auth-submit").click();
  await page.getByTestId("me").filter({ hasText: displayName }).waitFor();
  return { context, page, username, errors };
}

export function shot(page: Page, name: string): Promise<Buffer> {
  return page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Reads a number the page shows (e.g. decoded frames), for polling assertions. */
export async function numberIn(page: Page, testId: string): Promise<number> {
  return Number(await page.getByTestId(testId).textContent());
}
