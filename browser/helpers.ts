import { mkdirSync } from "node:fs";
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

/** Screenshots left over from an earlier run are removed once per run (clear-artifacts.ts), not per file. */
export async function launch(): Promise<Browser> {
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

const PASSWORD = "correct horse battery staple";

/** A fresh browser profile (its own storage: another device) on the app's sign-in page; `initScript` runs before the app in every page. */
async function profile(browser: Browser, username: string, initScript?: string): Promise<Person> {
  const context = await browser.newContext({ baseURL: baseUrl, viewport: { width: 1100, height: 760 }, permissions: ["camera", "microphone"] });
  if (initScript) await context.addInitScript({ content: initScript });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (err) => errors.push(`pageerror: ${err.message}`));
  page.on("console", (msg) => {
    if (msg.type() === "error") errors.push(`console: ${msg.text()}`);
  });
  await page.goto("/app/");
  return { context, page, username, errors };
}

/** A separate browser profile that signs up through the app's own form. */
export async function signUp(browser: Browser, displayName: string, initScript?: string): Promise<Person> {
  const username = unique(displayName.toLowerCase()).slice(0, 30);
  const person = await profile(browser, username, initScript);
  const { page } = person;
  await page.getByTestId("email").fill(`${username}@example.com`);
  await page.getByTestId("password").fill(PASSWORD);
  await page.getByTestId("username").fill(username);
  await page.getByTestId("display_name").fill(displayName);
  await page.getByTestId("auth-submit").click();
  await page.getByTestId("me").filter({ hasText: displayName }).waitFor();
  return person;
}

/** The same person on another device: a second browser profile that signs in through the app's form. */
export async function signIn(browser: Browser, someone: Person, displayName: string): Promise<Person> {
  const person = await profile(browser, someone.username);
  const { page } = person;
  await page.getByTestId("auth-toggle").click();
  await page.getByTestId("email").fill(`${someone.username}@example.com`);
  await page.getByTestId("password").fill(PASSWORD);
  await page.getByTestId("auth-submit").click();
  await page.getByTestId("me").filter({ hasText: displayName }).waitFor();
  return person;
}

export function shot(page: Page, name: string): Promise<Buffer> {
  return page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Reads a number the page shows (e.g. decoded frames), for polling assertions. */
export async function numberIn(page: Page, testId: string): Promise<number> {
  return Number(await page.getByTestId(testId).textContent());
}

/** Picks people in the "New chat" box by username (results appear as you type), then starts the chat: a group when two or more. */
/**
 * Starts a chat from the New chat picker. The app makes it end-to-end encrypted by default; stories
 * about plaintext behaviour (server-side edits, reactions, a device added later) uncheck that, and the
 * E2EE story passes `encrypted: true`.
 */
export async function startChat(page: Page, usernames: string[], groupName?: string, { encrypted = false }: { encrypted?: boolean } = {}): Promise<void> {
  const box = page.getByTestId("new-chat");
  for (const username of usernames) {
    await box.getByTestId("user-search").fill(username.slice(0, -1));
    await box
      .getByTestId("user-result")
      .filter({ hasText: `@${username}` })
      .click();
  }
  if (groupName) await box.getByTestId("group-name").fill(groupName);
  await box.getByTestId("new-chat-e2ee").setChecked(encrypted);
  await box.getByTestId("new-chat-submit").click();
}

/** Typed into the composer and sent with Enter, as a person would. */
export async function say(page: Page, text: string): Promise<void> {
  await page.getByTestId("composer").fill(text);
  await page.getByTestId("composer").press("Enter");
}

/**
 * The signed-in user's id and an access token. The app keeps no token in storage (cookie-mode
 * sessions): this refreshes through the cookie as a second tab would, and stores the rotated CSRF
 * token where the app's own next refresh reads it (app/src/session-store.ts).
 */
export function whoAmI(page: Page): Promise<{ id: string; token: string }> {
  return page.evaluate(async () => {
    const key = "secureconnect.session";
    const stored = JSON.parse(localStorage.getItem(key) ?? "{}") as { refreshToken?: string; user?: { id?: string } };
    const res = await fetch("/v1/auth/refresh", { method: "POST", headers: { "X-Session-Mode": "cookie", "X-CSRF-Token": stored.refreshToken ?? "" } });
    const answer = (await res.json()) as { access_token?: string; csrf_token?: string };
    if (answer.csrf_token) localStorage.setItem(key, JSON.stringify({ ...stored, refreshToken: answer.csrf_token }));
    return { id: stored.user?.id ?? "", token: answer.access_token ?? "" };
  });
}

/** A REST call from the page as its user (for what the app has no screen for, or what a story sets up through the API). */
export function apiFrom(page: Page, token: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  return page.evaluate(
    async ({ token, method, path, body }) => {
      const res = await fetch(path, { method, headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" }, body: JSON.stringify(body) });
      return { status: res.status, body: (await res.json()) as unknown };
    },
    { token, method, path, body },
  );
}

/** An API call from the page as its user, with an access token from its own cookie session (one per page). */
const tokens = new WeakMap<Page, string>();
export async function api(page: Page, method: string, path: string, body?: unknown): Promise<unknown> {
  const token = tokens.get(page) ?? (await whoAmI(page)).token;
  tokens.set(page, token);
  return (await apiFrom(page, token, method, path, body)).body;
}

/** Waits until the device's KeyPackages are in the directory (the app publishes them on start). */
export async function published(page: Page): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const count = (await api(page, "GET", "/v1/devices/me/key-packages/count")) as { key_packages?: number };
    if ((count.key_packages ?? 0) > 0) return;
    await page.waitForTimeout(200);
  }
  throw new Error("the device never published KeyPackages");
}
