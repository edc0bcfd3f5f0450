/**
 * Cookie-mode sessions and Web Push in real Chromium against the real stack (`npm run dev`).
 *
 * What is real: sign-up through the app (the refresh token set as an HttpOnly cookie), a new tab and a
 * "restarted browser" (a new context from the saved profile) signed in through that cookie, CSRF
 * refusals seen from the page, the permission prompt answered from the Enable notifications click,
 * the app's service worker, the app fetching the VAPID key and registering its subscription as its
 * web device, the server's push path (room → PUSH queue → consumer → dev outbox, with the app's tab
 * closed), and the service worker's `push` handler showing the notification.
 * What is not: Chromium cannot reach a push service offline (its PushManager.subscribe needs FCM), so
 * the page's PushManager.subscribe is replaced by a stand-in that answers a subscription-shaped object
 * (recording the applicationServerKey it was given); headless Chromium shows no permission prompt, so
 * the page's Notification.requestPermission is a stand-in where the user allows (the profile's real
 * permission is granted for the service worker); and the dev outbox entry is handed to the
 * service worker with CDP's ServiceWorker.deliverPushMessage instead of by a push service. Clicking a
 * system notification cannot be driven from Playwright, so the `notificationclick` handler itself is not
 * run; what it does is: the worker's message to an open tab, and a new tab at the URL it opens.
 */
import { afterAll, beforeAll, describe, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { baseUrl, launch, shot, signUp, startChat, type Person } from "./helpers";

/**
 * Replaces PushManager.subscribe (no push service offline) with one that answers a well-formed
 * subscription, and the permission prompt (headless Chromium has none: it answers "denied" unless the
 * profile grants it beforehand) with one where the user clicks "Allow" and nothing was asked before.
 */
const STAND_IN_PUSH_MANAGER = () => {
  let answered = false;
  Object.defineProperty(Notification, "permission", { get: () => (answered ? "granted" : "default") });
  Notification.requestPermission = () => {
    answered = true;
    (globalThis as { permissionAsked?: boolean }).permissionAsked = true;
    return Promise.resolve("granted");
  };
  const b64 = (bytes: Uint8Array) =>
    btoa(String.fromCharCode(...bytes))
      .replace(/\+/g, "-")
      .replace(/\//g, "_")
      .replace(/=+$/, "");
  const point = crypto.getRandomValues(new Uint8Array(65));
  point[0] = 4;
  const auth = new Uint8Array(16);
  const json = { endpoint: `https://push.stand-in.example/${crypto.randomUUID()}`, expirationTime: null, keys: { p256dh: b64(point), auth: b64(auth) } };
  PushManager.prototype.getSubscription = () => Promise.resolve(null);
  PushManager.prototype.subscribe = function (options?: PushSubscriptionOptionsInit) {
    const key = options?.applicationServerKey;
    (globalThis as { subscribedWithKey?: string }).subscribedWithKey = key instanceof Uint8Array ? b64(key) : "";
    return Promise.resolve({ endpoint: json.endpoint, toJSON: () => json } as unknown as PushSubscription);
  };
};

interface OutboxEntry {
  device_id: string;
  push_token: string;
  data: Record<string, string>;
  notification?: { title: string; body: string };
}

async function outboxOf(page: Page, userId: string, ready: (m: OutboxEntry[]) => boolean): Promise<OutboxEntry[]> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const res = await page.request.get(`/dev/push-outbox?user_id=${userId}`);
    const { messages } = (await res.json()) as { messages: OutboxEntry[] };
    if (ready(messages) || Date.now() > deadline) return messages;
    await new Promise((r) => setTimeout(r, 300));
  }
}

const session = (page: Page) => page.evaluate(() => localStorage.getItem("secureconnect.session") ?? "");

describe("sessions that survive tabs and restarts, and Web Push to a closed tab", () => {
  let browser: Browser;
  let alice: Person;
  let bob: Person;

  beforeAll(async () => {
    browser = await launch();
    [alice, bob] = await Promise.all([signUp(browser, "Alice"), signUp(browser, "Bob")]);
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("keeps the refresh token out of script: an HttpOnly cookie on /v1/auth, and only user, device and CSRF token in storage", async ({ expect }) => {
    const cookies = await alice.context.cookies();
    // One session cookie, named for its rotation (workers/gateway/src/cookie-session.ts).
    const sessionCookies = cookies.filter((c) => c.name.startsWith("__Secure-sc_refresh"));
    expect(sessionCookies).toHaveLength(1);
    const refresh = sessionCookies[0];
    expect(refresh).toMatchObject({ httpOnly: true, secure: true, sameSite: "Strict", path: "/v1/auth" });
    expect(await alice.page.evaluate(() => document.cookie)).not.toContain("sc_refresh");
    const stored = await session(alice.page);
    expect(stored).not.toContain(refresh?.value.split(".")[0] ?? "none");
    expect(JSON.parse(stored)).toMatchObject({ accessToken: "", expiresAt: 0 });
  });

  it("a new tab, and a restarted browser, are still signed in", async ({ expect }) => {
    const tab = await alice.context.newPage();
    await tab.goto("/app/");
    await tab.getByTestId("me").filter({ hasText: "Alice" }).waitFor();
    await shot(tab, "session-new-tab");
    await tab.close();
    // A restart: a new browser context from what the profile keeps on disk (cookies and localStorage).
    const saved = await alice.context.storageState();
    const restarted = await browser.newContext({ baseURL: baseUrl, storageState: saved });
    const page = await restarted.newPage();
    await page.goto("/app/");
    await page.getByTestId("me").filter({ hasText: "Alice" }).waitFor();
    expect(await page.getByTestId("auth-form").count()).toBe(0);
    // The restarted profile rotated the cookie; hand the newest state back to Alice's own context.
    await alice.context.clearCookies({ name: /^__Secure-sc_refresh/ });
    await alice.context.addCookies((await restarted.cookies()).filter((c) => c.name.startsWith("__Secure-sc_refresh")));
    await alice.page.evaluate((value) => localStorage.setItem("secureconnect.session", value), await session(page));
    await restarted.close();
  });

  it("refuses cookie refreshes without the CSRF token or with a wrong one, seen from the page, without spending the session", async ({ expect }) => {
    const statuses = await alice.page.evaluate(async () => {
      const attempt = (headers: Record<string, string>) => fetch("/v1/auth/refresh", { method: "POST", headers }).then((r) => r.status);
      return [await attempt({ "X-Session-Mode": "cookie" }), await attempt({ "X-Session-Mode": "cookie", "X-CSRF-Token": "forged-forged-forged-forged-forg" })];
    });
    expect(statuses).toEqual([403, 403]);
    await alice.page.reload();
    await alice.page.getByTestId("me").filter({ hasText: "Alice" }).waitFor();
  });

  it("asks for notification permission on the click, registers the subscription, and a push reaches the service worker with the tab closed", async ({
    expect,
  }) => {
    const { context } = alice;
    await context.addInitScript(STAND_IN_PUSH_MANAGER);
    await alice.page.reload();
    await alice.page.getByTestId("me").filter({ hasText: "Alice" }).waitFor();
    // Nothing was asked on load: the permission is still "default" and the button offers it.
    expect(await alice.page.evaluate(() => Notification.permission)).toBe("default");
    expect(await alice.page.evaluate(() => (globalThis as { subscribedWithKey?: string }).subscribedWithKey)).toBeUndefined();
    const button = alice.page.getByTestId("enable-notifications");
    await button.waitFor();
    await shot(alice.page, "push-enable-notifications");
    // The service worker's notifications need the profile's real permission; the page's prompt is the stand-in's.
    await context.grantPermissions(["notifications"]);
    expect(await alice.page.evaluate(() => (globalThis as { permissionAsked?: boolean }).permissionAsked)).toBeUndefined();
    await button.click();
    expect(await alice.page.evaluate(() => (globalThis as { permissionAsked?: boolean }).permissionAsked)).toBe(true);
    await button.waitFor({ state: "hidden" });
    const { public_key } = (await (await alice.page.request.get("/v1/push/vapid-public-key")).json()) as { public_key: string };
    // Registration waits for the service worker to activate: seconds on a loaded machine, so the polls say how long they wait.
    await expect.poll(() => alice.page.evaluate(() => (globalThis as { subscribedWithKey?: string }).subscribedWithKey), { timeout: 20_000 }).toBe(public_key);
    const userId = (JSON.parse(await session(alice.page)) as { user: { id: string } }).user.id;
    const deviceId = (JSON.parse(await session(alice.page)) as { deviceId: string }).deviceId;
    const workerState = () => alice.page.evaluate(async () => (await navigator.serviceWorker.getRegistration("/app/"))?.active?.state ?? "none");
    await expect.poll(workerState, { timeout: 20_000 }).toBe("activated");

    // Alice closes the app's tab; Bob writes to her.
    const cdpPage = await context.newPage();
    await cdpPage.goto("/health");
    await alice.page.close();
    await startChat(bob.page, [alice.username]);
    await bob.page.getByTestId("connection").filter({ hasText: "online" }).waitFor();
    await bob.page.getByTestId("composer").fill("Are you there?");
    await bob.page.getByTestId("send").click();
    const [entry] = await outboxOf(cdpPage, userId, (m) => m.some((e) => e.data.kind === "message"));
    expect(entry?.device_id).toBe(deviceId);
    expect(JSON.stringify(entry)).not.toContain("Are you there?");

    // The push service's part, by CDP: the outbox entry becomes the push the service worker decrypts to.
    const cdp = await context.newCDPSession(cdpPage);
    const registrations: { registrationId: string; scopeURL: string }[] = [];
    cdp.on("ServiceWorker.workerRegistrationUpdated", (e: { registrations: { registrationId: string; scopeURL: string }[] }) =>
      registrations.push(...e.registrations),
    );
    await cdp.send("ServiceWorker.enable");
    await expect.poll(() => registrations.some((r) => r.scopeURL.endsWith("/app/")), { timeout: 20_000 }).toBe(true);
    const registration = registrations.find((r) => r.scopeURL.endsWith("/app/"));
    const payload = JSON.stringify({ data: entry?.data, ...(entry?.notification ? { notification: entry.notification } : {}) });
    await cdp.send("ServiceWorker.deliverPushMessage", { origin: new URL(baseUrl).origin, registrationId: registration?.registrationId ?? "", data: payload });
    const shown = async () =>
      cdpPage.evaluate(async () => {
        const reg = await navigator.serviceWorker.getRegistration("/app/");
        return (await reg?.getNotifications())?.map((n) => ({ title: n.title, body: n.body, tag: n.tag })) ?? [];
      });
    await expect
      .poll(shown, { timeout: 15_000 })
      .toEqual([{ title: "New message", body: "Open SecureConnect to read it.", tag: `c:${entry?.data.conversation_id ?? ""}` }]);
    await cdp.detach();

    // What a click on it does, as far as Playwright reaches (it cannot click a system notification): the
    // service worker's message to an open tab opens the conversation there, and a new tab at the URL the
    // worker opens when no tab is open (#conversation=<id>) starts in it.
    const conversationId = entry?.data.conversation_id ?? "";
    const tab = await context.newPage();
    await tab.goto("/app/");
    await tab.getByTestId("me").filter({ hasText: "Alice" }).waitFor();
    // A tab the user has open is one whose list has loaded (a click during its start-up is not this story).
    await tab.getByTestId("conversation").filter({ hasText: "Bob" }).waitFor();
    const worker = context.serviceWorkers().find((w) => w.url().endsWith("/app/sw.js"));
    expect(worker).toBeDefined();
    await worker?.evaluate(async (id) => {
      const scope = self as unknown as { clients: { matchAll(o: object): Promise<Array<{ postMessage(m: unknown): void }>> } };
      // As the worker's click handler asks (app/src/sw/push-handlers.ts): a tab opened while the worker was busy may not be controlled yet.
      for (const client of await scope.clients.matchAll({ type: "window", includeUncontrolled: true }))
        client.postMessage({ type: "open_conversation", conversation_id: id });
    }, conversationId);
    await tab.getByTestId("chat-title").filter({ hasText: "Bob" }).waitFor();
    const opened = await context.newPage();
    await opened.goto(`/app/#conversation=${encodeURIComponent(conversationId)}`);
    await opened.getByTestId("chat-title").filter({ hasText: "Bob" }).waitFor();
    expect(new URL(opened.url()).hash).not.toContain("conversation=");
    await Promise.all([tab.close(), opened.close(), cdpPage.close()]);
  });
});
