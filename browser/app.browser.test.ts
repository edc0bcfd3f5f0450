import { readFileSync } from "node:fs";
import { afterAll, afterEach, beforeAll, describe, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { launch, numberIn, shot, signUp, startChat, type Person } from "./helpers";

/** Message bodies; call entries (notices with a data-kind) are left out. */
const messages = (page: Page) => page.getByTestId("messages").locator("[data-testid=message]:not([data-kind^=call-]) [data-testid=message-body]");
const sendingCount = (page: Page) => page.getByTestId("status").filter({ hasText: "sending" }).count();

/**
 * One story, in order (each step builds on the previous one): two people sign up in separate
 * browser profiles, chat, share a file, hold a video call, and one of them drops off the network.
 */
describe("the web app in Chromium, against the real stack", () => {
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

  // What both people saw when a step failed: the first thing to look at.
  afterEach(async ({ task }) => {
    if (task.result?.state !== "fail") return;
    const step = task.name.split(" ").slice(0, 3).join("-");
    await Promise.all([shot(alice.page, `failed-${step}-alice`), shot(bob.page, `failed-${step}-bob`)]);
  });

  it("is served by the stack at /app/ with a CSP of its own and the camera allowed for itself only", async ({ expect }) => {
    const page = await alice.context.request.get("/app/");
    expect(page.status()).toBe(200);
    const headers = page.headers();
    expect(headers["content-security-policy"]).toContain("script-src 'self'");
    expect(headers["content-security-policy"]).not.toContain("unsafe-inline");
    expect(headers["permissions-policy"]).toContain("camera=(self)");
    expect(headers["x-request-id"]).toBeTruthy();
    const api = await alice.context.request.get("/health");
    expect(api.headers()["content-security-policy"]).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(api.headers()["permissions-policy"]).toContain("camera=()");
  });

  it("starts a conversation, exchanges messages with typing, unread counts and read receipts, and shares a file", async ({ expect }) => {
    await startChat(alice.page, [bob.username]);
    await alice.page.getByTestId("chat-title").filter({ hasText: "Bob" }).waitFor();
    await alice.page.getByTestId("connection").filter({ hasText: "online" }).waitFor();
    await alice.page.getByTestId("composer").fill("Hello Bob!");
    await alice.page.getByTestId("send").click();
    await alice.page.getByTestId("status").filter({ hasText: "sent" }).waitFor();

    // Bob's list shows the new conversation with one unread message.
    const row = bob.page.getByTestId("conversation").first();
    await row.getByTestId("unread").filter({ hasText: "1" }).waitFor();
    await row.click();
    await messages(bob.page).filter({ hasText: "Hello Bob!" }).waitFor();
    // Opening it sent a read receipt: Alice's message turns "seen".
    await alice.page.locator('[data-testid=status][data-status="seen"]').waitFor();

    await bob.page.getByTestId("connection").filter({ hasText: "online" }).waitFor();
    await bob.page.getByTestId("composer").pressSequentially("Hi Alice");
    await alice.page.getByTestId("typing").filter({ hasText: "Bob is typing" }).waitFor();
    await bob.page.getByTestId("composer").press("Enter");
    await messages(alice.page).filter({ hasText: "Hi Alice" }).waitFor();

    // A file, encrypted in Alice's browser, uploaded through the presigned flow; Bob's click downloads and decrypts it.
    await alice.page.getByTestId("file-input").setInputFiles({ name: "agenda.txt", mimeType: "text/plain", buffer: Buffer.from("1. WebRTC\n2. Offline\n") });
    const link = bob.page.getByTestId("attachment").filter({ hasText: "agenda.txt" });
    await link.waitFor();
    const [download] = await Promise.all([bob.page.waitForEvent("download"), link.click()]);
    expect(readFileSync(await download.path()).toString()).toBe("1. WebRTC\n2. Offline\n");

    expect(await messages(alice.page).allTextContents()).toEqual(["Hello Bob!", "Hi Alice", "Sent agenda.txt"]);
    expect(await messages(bob.page).allTextContents()).toEqual(["Hello Bob!", "Hi Alice", "Sent agenda.txt"]);
    await shot(alice.page, "chat-alice");
    await shot(bob.page, "chat-bob");
  });

  it("holds a 1:1 video call that connects and decodes video on both sides", async ({ expect }) => {
    await alice.page.getByTestId("start-call").click();
    await bob.page.getByTestId("accept-call").click();
    for (const person of [alice, bob]) {
      await person.page
        .getByTestId("call-state")
        .filter({ hasText: /^connected$/ })
        .waitFor({ timeout: 30_000 });
    }
    // getStats(): inbound-rtp video framesDecoded, as shown by the app once a second.
    for (const person of [alice, bob]) {
      await expect.poll(() => numberIn(person.page, "frames-decoded"), { timeout: 20_000 }).toBeGreaterThan(10);
    }
    const remotePlaying = (page: Page) => page.getByTestId("remote-video").evaluate((video: HTMLVideoElement) => video.videoWidth > 0 && !video.paused);
    expect(await remotePlaying(alice.page)).toBe(true);
    expect(await remotePlaying(bob.page)).toBe(true);
    await shot(alice.page, "call-alice");
    await shot(bob.page, "call-bob");

    await alice.page.getByTestId("hang-up").click();
    await bob.page.getByTestId("call-state").filter({ hasText: "ended" }).waitFor();
  });

  it("one side goes offline and, back online, sees what it missed while its own queued message arrives once", async ({ expect }) => {
    await bob.context.setOffline(true);
    await bob.page.getByTestId("connection").filter({ hasText: "reconnecting" }).waitFor();

    for (const text of ["Are you there?", "Call me back"]) {
      await alice.page.getByTestId("composer").fill(text);
      await alice.page.getByTestId("send").click();
    }
    await bob.page.getByTestId("composer").fill("Sent from a tunnel");
    await bob.page.getByTestId("send").click();
    await expect.poll(() => sendingCount(alice.page), { timeout: 30_000 }).toBe(0);
    // Alice's two messages are stored; offline Bob has not got them, and his own one is still queued.
    expect(await messages(bob.page).allTextContents()).not.toContain("Are you there?");
    await bob.page.getByTestId("status").filter({ hasText: "sending" }).waitFor();

    await bob.context.setOffline(false);
    await messages(bob.page).filter({ hasText: "Call me back" }).waitFor();
    await messages(alice.page).filter({ hasText: "Sent from a tunnel" }).waitFor();
    await expect.poll(() => sendingCount(bob.page), { timeout: 30_000 }).toBe(0);

    const expected = ["Hello Bob!", "Hi Alice", "Sent agenda.txt", "Are you there?", "Call me back", "Sent from a tunnel"];
    await expect.poll(() => messages(bob.page).allTextContents(), { timeout: 15_000 }).toEqual(expected);
    await expect.poll(() => messages(alice.page).allTextContents(), { timeout: 15_000 }).toEqual(expected);
    await shot(bob.page, "back-online-bob");
  });

  it("keeps the session across a reload and pages older history on demand", async ({ expect }) => {
    const burst = Array.from({ length: 30 }, (_, i) => `burst ${i + 1}`);
    for (const text of burst) {
      await alice.page.getByTestId("composer").fill(text);
      await alice.page.getByTestId("composer").press("Enter");
    }
    await expect.poll(() => sendingCount(alice.page), { timeout: 30_000 }).toBe(0);

    await bob.page.reload();
    await bob.page.getByTestId("me").filter({ hasText: "Bob" }).waitFor();
    await bob.page.getByTestId("conversation").first().click();
    await messages(bob.page).filter({ hasText: "burst 30" }).waitFor();
    // The first page holds the newest 30 of 36 messages; the oldest ones come with "Load older".
    expect(await messages(bob.page).count()).toBe(30);
    await bob.page.getByTestId("load-older").click();
    await messages(bob.page).filter({ hasText: "Hello Bob!" }).waitFor();
    const all = await messages(bob.page).allTextContents();
    expect(all).toEqual(["Hello Bob!", "Hi Alice", "Sent agenda.txt", "Are you there?", "Call me back", "Sent from a tunnel", ...burst]);
    expect(await bob.page.getByTestId("load-older").isHidden()).toBe(true);
    expect([...alice.errors, ...bob.errors].filter((e) => !/ERR_INTERNET_DISCONNECTED|Failed to load resource/.test(e))).toEqual([]);
  });
});
