import { afterAll, afterEach, beforeAll, describe, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { seriousViolations } from "./axe";
import { baseUrl, launch, say, shot, signIn, signUp, startChat, whoAmI, type Person } from "./helpers";
import { devCode } from "./mail-and-media";

const bodies = (page: Page) => page.getByTestId("messages").getByTestId("message-body");
const row = (page: Page, text: string) =>
  page
    .getByTestId("messages")
    .getByTestId("message")
    .filter({ has: page.getByTestId("message-body").filter({ hasText: text }) });
/** A 96×96 PNG portrait (a gradient and a letter), drawn on a canvas. */
const portrait = async (page: Page): Promise<Buffer> =>
  Buffer.from(
    await page.evaluate(() => {
      const canvas = document.createElement("canvas");
      canvas.width = canvas.height = 96;
      const ctx = canvas.getContext("2d");
      if (!ctx) throw new Error("no 2d canvas");
      const fill = ctx.createLinearGradient(0, 0, 96, 96);
      fill.addColorStop(0, "#f2994a");
      fill.addColorStop(1, "#9b51e0");
      ctx.fillStyle = fill;
      ctx.fillRect(0, 0, 96, 96);
      ctx.fillStyle = "#fff";
      ctx.font = "bold 56px sans-serif";
      ctx.textAlign = "center";
      ctx.textBaseline = "middle";
      ctx.fillText("A", 48, 52);
      return canvas.toDataURL("image/png").split(",")[1] ?? "";
    }),
    "base64",
  );
const open = (page: Page, title: string) => page.getByTestId("conversation").filter({ hasText: title }).first().click();

/**
 * The app as three people use it every day, one story in order: a group made from the picker,
 * replies, edits, reactions and deletions seen live, group roles, a profile with a picture, a reload
 * that keeps the conversation and the draft, account screens, the offline shell and a call beside
 * the conversation. axe-core checks every screen on the way (0 serious or critical violations).
 */
describe("the web app for daily use, in Chromium", () => {
  let browser: Browser;
  let alice: Person;
  let bob: Person;
  let carol: Person;

  async function accessible(page: Page, screen: string): Promise<void> {
    const violations = await seriousViolations(page);
    if (violations.length > 0) await shot(page, `axe-${screen}`);
    if (violations.length > 0) throw new Error(`${screen}: ${JSON.stringify(violations, null, 2)}`);
  }

  beforeAll(async () => {
    browser = await launch();
    [alice, bob, carol] = await Promise.all([signUp(browser, "Alice"), signUp(browser, "Bob"), signUp(browser, "Carol")]);
  });

  afterAll(async () => {
    await browser?.close();
  });

  afterEach(async ({ task }) => {
    if (task.result?.state !== "fail") return;
    const step = task.name.split(" ").slice(0, 3).join("-");
    await Promise.all([shot(alice.page, `failed-${step}-alice`), shot(bob.page, `failed-${step}-bob`), shot(carol.page, `failed-${step}-carol`)]);
  });

  it("makes a three-person group from the picker, and every message carries its sender's name", async ({ expect }) => {
    await accessible(alice.page, "home");
    await startChat(alice.page, [bob.username, carol.username], "Weekend trip");
    await alice.page.getByTestId("chat-title").filter({ hasText: "Weekend trip" }).waitFor();
    await alice.page.getByTestId("connection").filter({ hasText: "online" }).waitFor();
    await say(alice.page, "Who's in?");

    await open(bob.page, "Weekend trip");
    await bodies(bob.page).filter({ hasText: "Who's in?" }).waitFor();
    await bob.page.getByTestId("connection").filter({ hasText: "online" }).waitFor();
    await say(bob.page, "Me!");

    await open(carol.page, "Weekend trip");
    await bodies(carol.page).filter({ hasText: "Me!" }).waitFor();
    await expect.poll(() => carol.page.getByTestId("messages").getByTestId("message-sender").allTextContents()).toEqual(["Alice", "Bob"]);
    expect(await carol.page.getByTestId("messages").getByTestId("avatar").count()).toBe(2);
    // Bob's own message is his; Alice's is labelled with her name.
    expect(await row(bob.page, "Me!").getAttribute("class")).toContain("mine");
    expect(await row(bob.page, "Who's in?").getByTestId("message-sender").textContent()).toBe("Alice");
    await shot(carol.page, "group-carol");
    await accessible(carol.page, "group-chat");
  });

  it("shows a reply with its quote, an edit, a reaction and a deletion live to the others", async ({ expect }) => {
    await carol.page.getByTestId("connection").filter({ hasText: "online" }).waitFor();
    // Bob replies to Alice's question.
    await row(bob.page, "Who's in?").hover();
    await row(bob.page, "Who's in?").getByTestId("reply").click();
    await bob.page.getByTestId("composer-mode").filter({ hasText: "Replying to Alice" }).waitFor();
    await say(bob.page, "Count me in");
    const reply = row(alice.page, "Count me in");
    await reply.getByTestId("reply-quote").filter({ hasText: "Who's in?" }).waitFor();
    expect(await reply.getByTestId("reply-quote").textContent()).toContain("You");
    await row(carol.page, "Count me in").getByTestId("reply-quote").filter({ hasText: "Alice" }).waitFor();

    // Alice edits her question: the others see the new text, marked edited.
    await row(alice.page, "Who's in?").hover();
    await row(alice.page, "Who's in?").getByTestId("edit").click();
    await alice.page.getByTestId("composer").fill("Who's in for Saturday?");
    await alice.page.getByTestId("composer").press("Enter");
    for (const page of [bob.page, carol.page]) await row(page, "Who's in for Saturday?").getByTestId("edited").waitFor();
    expect(await bodies(carol.page).allTextContents()).toEqual(["Who's in for Saturday?", "Me!", "Count me in"]);
    // The quote in Bob's reply follows the edit too.
    await row(carol.page, "Count me in").getByTestId("reply-quote").filter({ hasText: "Saturday" }).waitFor();

    // Carol reacts; Alice sees it, adds her own, Bob sees 2.
    await row(carol.page, "Saturday").hover();
    await row(carol.page, "Saturday").getByTestId("react").click();
    await carol.page.getByTestId("react-with").filter({ hasText: "👍" }).first().click();
    await row(alice.page, "Saturday").getByTestId("reaction").filter({ hasText: "👍 1" }).waitFor();
    await row(alice.page, "Saturday").getByTestId("reaction").click();
    await row(bob.page, "Saturday").getByTestId("reaction").filter({ hasText: "👍 2" }).waitFor();
    expect(await row(alice.page, "Saturday").getByTestId("reaction").getAttribute("aria-pressed")).toBe("true");

    // Bob deletes "Me!" (asked once): everyone sees the tombstone, never "(encrypted)".
    await row(bob.page, "Me!").hover();
    await row(bob.page, "Me!").getByTestId("delete").click();
    await row(bob.page, "Me!").getByTestId("confirm-delete").click();
    for (const page of [alice.page, carol.page]) await bodies(page).filter({ hasText: "This message was deleted" }).waitFor();
    expect(await bodies(alice.page).allTextContents()).toEqual(["Who's in for Saturday?", "This message was deleted", "Count me in"]);
    expect(await alice.page.getByText("(encrypted)").count()).toBe(0);
    await shot(alice.page, "message-actions-alice");
    await accessible(alice.page, "message-actions");
  });

  it("works from the keyboard alone: Tab reaches the list, the message actions and the composer", async ({ expect }) => {
    const page = carol.page;
    await page.goto("/app/");
    await page.getByTestId("conversation").first().waitFor();
    /** Presses Tab until the focused element matches, as a keyboard user would (at most 80 presses). */
    const tabTo = async (selector: string): Promise<void> => {
      for (let i = 0; i < 80; i++) {
        await page.keyboard.press("Tab");
        if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
      }
      throw new Error(`Tab never reached ${selector}`);
    };
    await tabTo("[data-testid=conversation] button");
    await page.keyboard.press("Enter");
    await page.getByTestId("chat-title").filter({ hasText: "Weekend trip" }).waitFor();
    await tabTo("[data-testid=message] [data-testid=react]");
    // Focus inside a row shows its toolbar.
    await expect
      .poll(() =>
        page.evaluate(() => {
          const toolbar = document.activeElement?.closest("[data-testid=message-actions]");
          return toolbar ? getComputedStyle(toolbar).opacity : "no toolbar focused";
        }),
      )
      .toBe("1");
    await tabTo("[data-testid=message] [data-testid=reply]");
    await page.keyboard.press("Enter");
    await page.getByTestId("composer-mode").filter({ hasText: "Replying to" }).waitFor();
    expect(await page.evaluate(() => document.activeElement?.getAttribute("data-testid"))).toBe("composer");
    await page.keyboard.press("Escape");
    await page.getByTestId("composer-bar").waitFor({ state: "hidden" });
    await page.keyboard.type("typed without a mouse");
    await page.keyboard.press("Enter");
    await bodies(alice.page).filter({ hasText: "typed without a mouse" }).waitFor();
  });

  it("runs the group: the owner makes an admin, people are added and removed, a member leaves", async ({ expect }) => {
    await alice.page.getByTestId("group-details").click();
    const panel = alice.page.getByTestId("group-panel");
    await panel.getByTestId("group-member").nth(2).waitFor();
    expect(await panel.getByTestId("member-role").allTextContents()).toEqual(["owner", "member", "member"]);
    await panel.getByTestId("group-member").filter({ hasText: "Bob" }).getByTestId("toggle-admin").click();
    await panel.getByTestId("group-member").filter({ hasText: "Bob" }).getByTestId("member-role").filter({ hasText: "admin" }).waitFor();
    // The owner renames it: her title and list at once.
    await panel.getByTestId("group-rename").fill("Weekend trip (Sat)");
    await panel.getByTestId("rename-submit").click();
    await alice.page.getByTestId("chat-title").filter({ hasText: "Weekend trip (Sat)" }).waitFor();
    await alice.page.getByTestId("conversation").filter({ hasText: "Weekend trip (Sat)" }).waitFor();
    await shot(alice.page, "group-info-alice");
    await accessible(alice.page, "group-info");
    // Bob, with the conversation open, sees the new name without a reload: in its title and in his list.
    await bob.page.getByTestId("chat-title").filter({ hasText: "Weekend trip (Sat)" }).waitFor();
    await bob.page.getByTestId("conversation").filter({ hasText: "Weekend trip (Sat)" }).waitFor();
    await shot(bob.page, "group-renamed-bob");

    // Carol leaves; her list loses the group, Alice's open panel loses Carol as it happens.
    await carol.page.getByTestId("group-details").click();
    await carol.page.getByTestId("leave-group").click();
    await carol.page.getByTestId("chat").waitFor({ state: "detached" });
    await expect.poll(() => carol.page.getByTestId("conversation").filter({ hasText: "Weekend trip" }).count()).toBe(0);
    await expect.poll(() => panel.getByTestId("group-member").count()).toBe(2);

    // Bob (now admin) adds Carol back with the picker.
    await bob.page.getByTestId("group-details").click();
    const bobPanel = bob.page.getByTestId("group-panel");
    await bobPanel.getByTestId("user-search").fill(carol.username.slice(0, -1));
    await bobPanel
      .getByTestId("user-result")
      .filter({ hasText: `@${carol.username}` })
      .click();
    await bobPanel.getByTestId("add-members").click();
    await expect.poll(() => bobPanel.getByTestId("group-member").count()).toBe(3);
    // Alice's panel, open all along, has her again.
    await expect.poll(() => panel.getByTestId("group-member").count()).toBe(3);
    await carol.page.getByTestId("conversation").filter({ hasText: "Weekend trip" }).waitFor();
    await bob.page.getByTestId("close-group-panel").click();
    await alice.page.getByTestId("close-group-panel").click();
  });

  it("sets a display name and a picture, shown to the others and on the profile they open", async ({ expect }) => {
    await alice.page.getByTestId("open-settings").click();
    await alice.page.getByTestId("profile-editor").waitFor();
    await accessible(alice.page, "settings");
    await alice.page.getByTestId("profile-display-name").fill("Alice Liddell");
    await alice.page.getByTestId("save-profile").click();
    await alice.page.getByTestId("profile-status").filter({ hasText: "Name saved." }).waitFor();
    // A real PNG, drawn in the page.
    const picture = await portrait(alice.page);
    await alice.page.getByTestId("avatar-input").setInputFiles({ name: "alice.png", mimeType: "image/png", buffer: picture });
    await alice.page.getByTestId("profile-status").filter({ hasText: "Picture updated." }).waitFor();
    await alice.page.getByTestId("me").filter({ hasText: "Alice Liddell" }).waitFor();
    await alice.page.getByTestId("profile-editor").getByTestId("avatar").locator("img").waitFor();
    await shot(alice.page, "settings-alice");

    // Bob reloads: the same conversation opens, and Alice's rows carry her new name and picture.
    await bob.page.reload();
    // The new name is what the server has too: it is there after the reload.
    await bob.page.getByTestId("chat-title").filter({ hasText: "Weekend trip (Sat)" }).waitFor();
    const aliceRow = row(bob.page, "Saturday");
    await aliceRow.getByTestId("message-sender").filter({ hasText: "Alice Liddell" }).waitFor();
    await aliceRow.getByTestId("avatar").locator("img").waitFor();
    await aliceRow.getByTestId("message-sender").click();
    const profile = bob.page.getByTestId("profile-dialog");
    await profile.getByTestId("profile-name").filter({ hasText: "Alice Liddell" }).waitFor();
    expect(await profile.getByTestId("profile-username").textContent()).toBe(`@${alice.username}`);
    await shot(bob.page, "profile-dialog-bob");
    await accessible(bob.page, "profile-dialog");
    await bob.page.keyboard.press("Escape");
    await profile.waitFor({ state: "detached" });
  });

  it("keeps the open conversation, the draft and the seen ticks across a reload", async ({ expect }) => {
    await bob.page.getByTestId("connection").filter({ hasText: "online" }).waitFor();
    await bob.page.getByTestId("composer").pressSequentially("half-written thought");
    await bob.page.reload();
    await bob.page.getByTestId("chat-title").filter({ hasText: "Weekend trip" }).waitFor();
    expect(await bob.page.getByTestId("composer").inputValue()).toBe("half-written thought");
    expect(new URL(bob.page.url()).hash).toMatch(/^#\/c\//);

    // Alice's open settings come back too; her question was read by the others: "seen" after a reload.
    await alice.page.reload();
    await alice.page.getByTestId("settings").waitFor();
    await alice.page.getByTestId("settings-back").click();
    await open(alice.page, "Weekend trip");
    await row(alice.page, "Saturday").locator('[data-testid=status][data-status="seen"]').waitFor();
    // Drafts are per conversation: another conversation's composer starts empty.
    await startChat(bob.page, [carol.username]);
    await bob.page.getByTestId("chat-title").filter({ hasText: "Carol" }).waitFor();
    expect(await bob.page.getByTestId("composer").inputValue()).toBe("");
    await bob.page.goBack();
    await bob.page.getByTestId("chat-title").filter({ hasText: "Weekend trip" }).waitFor();
    expect(await bob.page.getByTestId("composer").inputValue()).toBe("half-written thought");
  });

  it("verifies the email by code, lists sessions and signs another one out", async ({ expect }) => {
    const laptop = await signIn(browser, alice, "Alice Liddell");
    await alice.page.getByTestId("open-settings").click();
    const sessions = alice.page.getByTestId("sessions-section");
    await expect.poll(() => sessions.getByTestId("session").count()).toBe(2);
    expect(await sessions.locator('[data-current="true"]').count()).toBe(1);

    const code = await devCode(`${alice.username}@example.com`, "verify");
    await alice.page.getByTestId("verify-code").fill(code);
    await alice.page.getByTestId("verify-submit").click();
    await alice.page.getByTestId("email-state").filter({ hasText: "is verified" }).waitFor();
    await shot(alice.page, "account-alice");
    await accessible(alice.page, "account");

    await sessions.getByTestId("revoke-session").click();
    await expect.poll(() => sessions.getByTestId("session").count()).toBe(1);
    // The revoked browser is signed out at its next refresh (a reload refreshes at once).
    await laptop.page.reload();
    await laptop.page.getByTestId("auth-form").waitFor();
    await laptop.context.close();
  });

  it("resets a forgotten password with the emailed code", async () => {
    const context = await browser.newContext({ baseURL: baseUrl });
    const page = await context.newPage();
    await page.goto("/app/");
    await page.getByTestId("auth-toggle").click();
    await page.getByTestId("forgot-password").click();
    await accessible(page, "forgot-password");
    await page.getByTestId("email").fill(`${carol.username}@example.com`);
    await page.getByTestId("auth-submit").click();
    await page.getByTestId("reset-code").waitFor();
    await page.getByTestId("reset-code").fill(await devCode(`${carol.username}@example.com`, "reset"));
    await page.getByTestId("new-password").fill("a brand new passphrase");
    await page.getByTestId("auth-submit").click();
    await page.getByTestId("auth-info").filter({ hasText: "Password changed" }).waitFor();
    await shot(page, "password-reset");
    await accessible(page, "sign-in");
    await page.getByTestId("email").fill(`${carol.username}@example.com`);
    await page.getByTestId("password").fill("a brand new passphrase");
    await page.getByTestId("auth-submit").click();
    await page.getByTestId("me").filter({ hasText: "Carol" }).waitFor();
    await context.close();
  });

  it("opens from its service worker with the network off", async ({ expect }) => {
    await bob.page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
    await bob.page.reload(); // now controlled by the worker
    await expect.poll(() => bob.page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
    await bob.context.setOffline(true);
    await bob.page.reload();
    await bob.page.getByTestId("me").filter({ hasText: "Bob" }).waitFor();
    await bob.page.getByTestId("offline").waitFor();
    await bob.page.getByTestId("new-chat").waitFor();
    await shot(bob.page, "offline-shell-bob");
    await bob.context.setOffline(false);
    // Back online, the stream connects and the conversation of the URL opens.
    await bob.page.getByTestId("chat-title").filter({ hasText: "Weekend trip" }).waitFor({ timeout: 30_000 });
    expect(await bob.page.getByTestId("offline").isHidden()).toBe(true);
    await bob.page.getByTestId("connection").filter({ hasText: "online" }).waitFor({ timeout: 30_000 });
  });

  it("holds a call beside the conversation, and leaves call entries in it", async ({ expect }) => {
    await startChat(alice.page, [bob.username]);
    await alice.page.getByTestId("chat-title").filter({ hasText: "Bob" }).waitFor();
    await alice.page.getByTestId("connection").filter({ hasText: "online" }).waitFor();
    await say(alice.page, "Calling you now");
    await open(bob.page, "Alice Liddell");
    await bodies(bob.page).filter({ hasText: "Calling you now" }).waitFor();

    await alice.page.getByTestId("start-call").click();
    await bob.page.getByTestId("accept-call").click();
    for (const person of [alice, bob])
      await person.page
        .getByTestId("call-state")
        .filter({ hasText: /^connected$/ })
        .waitFor({ timeout: 30_000 });
    for (const person of [alice, bob]) {
      const list = await person.page.getByTestId("messages").boundingBox();
      const stage = await person.page.getByTestId("call-stage").boundingBox();
      // The messages keep most of their height, and the video does not cover them.
      expect(list?.height ?? 0).toBeGreaterThan(300);
      expect(stage).not.toBeNull();
      if (list && stage) expect(list.x + list.width <= stage.x || stage.y + stage.height <= list.y).toBe(true);
      expect(await bodies(person.page).filter({ hasText: "Calling you now" }).isVisible()).toBe(true);
    }
    await say(bob.page, "I can still type");
    await bodies(alice.page).filter({ hasText: "I can still type" }).waitFor();
    await shot(alice.page, "call-layout-alice");
    await accessible(alice.page, "call");
    await alice.page.getByTestId("hang-up").click();
    for (const page of [alice.page, bob.page])
      await page
        .locator('[data-kind="call-ended"]')
        .filter({ hasText: /Video call · \d+:\d\d/ })
        .waitFor();

    // Bob declines the next one: "declined" on Alice's side, "You declined" on his.
    await alice.page.getByTestId("start-call").click();
    await bob.page.getByTestId("decline-call").click();
    await alice.page.locator('[data-kind="call-declined"]').filter({ hasText: "declined" }).waitFor({ timeout: 30_000 });
    await bob.page.locator('[data-kind="call-declined"]').filter({ hasText: "You declined a video call" }).waitFor();

    // Nobody answers the third (rung through the API with a 5 s timeout, the shortest allowed):
    // "no answer" for Alice, the missed-call line for Bob.
    const { token } = await whoAmI(alice.page);
    const conversationId = new URL(alice.page.url()).hash.replace("#/c/", "");
    const rung = await fetch(`${baseUrl}/v1/calls/initiate`, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      body: JSON.stringify({ conversation_id: conversationId, type: "video", ring_timeout_seconds: 5 }),
    });
    expect(rung.status).toBe(201);
    await bob.page.getByTestId("incoming-call").waitFor();
    await alice.page.locator('[data-kind="missed"]').filter({ hasText: "Video call · no answer" }).waitFor({ timeout: 30_000 });
    await bodies(bob.page).filter({ hasText: "Missed video call" }).waitFor({ timeout: 30_000 });
    // One line per call on each side: no "no answer" entry beside the missed-call message.
    expect(await alice.page.getByTestId("messages").getByText("no answer").count()).toBe(1);
    // The list's preview follows over the device stream.
    await expect.poll(() => alice.page.getByTestId("conversation").first().getByTestId("preview").textContent()).toBe("Video call · no answer");
    await shot(alice.page, "call-entries-alice");
    await shot(bob.page, "call-entries-bob");
  });
});
