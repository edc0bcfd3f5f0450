import { afterAll, beforeAll, describe, it } from "vitest";
import type { Browser } from "playwright-core";
import { launch, say, shot, signUp, startChat, type Person } from "./helpers";

/** Issue 21 in the web app: a one-click email link, the account screen, and mute/block in the header. */
describe("account controls in Chromium, against the real stack", () => {
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

  it("verifies the email from the emailed link, with the token gone from the address bar", async ({ expect }) => {
    const email = `${alice.username}@example.com`;
    let link = "";
    for (let i = 0; i < 100 && !link; i++) {
      const answer = await alice.context.request.get(`/dev/mailbox?to=${encodeURIComponent(email)}`);
      const { messages } = (await answer.json()) as { messages: { kind: string; body: string }[] };
      link = /^Link: (\S+)$/m.exec(messages.find((m) => m.kind === "verify_email")?.body ?? "")?.[1] ?? "";
      if (!link) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(link).toContain("/app/#verify=");
    const page = await alice.context.newPage();
    // The link names the dev stack's origin; open it on this one (same path and fragment).
    const url = new URL(link);
    await page.goto(`/app/${url.hash}`);
    await page.getByTestId("email-action-status").filter({ hasText: "verified" }).waitFor();
    expect(new URL(page.url()).hash).toBe("");
    await shot(page, "account-email-link-verified");
    // The new tab shares the browser's cookie session: Continue leads to Alice's own home, signed in.
    await page.getByTestId("email-action-done").click();
    await page.getByTestId("me").filter({ hasText: "Alice" }).waitFor();
    // A reused link says so, and changes nothing.
    await page.goto("about:blank");
    await page.goto(`/app/${url.hash}`);
    await page.getByTestId("email-action").filter({ hasText: "did not work" }).waitFor();
    await shot(page, "account-email-link-reused");
    await page.close();
  });

  it("changes the password on the account screen and lists blocked users", async () => {
    const { page } = alice;
    await page.getByTestId("open-settings").click();
    await page.getByTestId("account").waitFor();
    await page.getByTestId("current_password").fill("correct horse battery staple");
    await page.getByTestId("new_password").fill("a brand new passphrase");
    await page.getByTestId("change-password-submit").click();
    await page.getByTestId("change-password-status").filter({ hasText: "Password changed" }).waitFor();
    await page.getByTestId("blocked-users").filter({ hasText: "You block nobody." }).waitFor();
    await shot(page, "account-screen");
    await page.getByTestId("settings-back").click();
  });

  it("mutes a conversation and blocks its other member from the header; the account screen lists the block", async () => {
    const { page } = alice;
    await startChat(page, [bob.username]);
    await page.getByTestId("chat-title").filter({ hasText: "Bob" }).waitFor();
    await page.getByTestId("mute-select").selectOption({ label: "Mute for 1 hour" });
    await page.getByTestId("mute-state").filter({ hasText: "Muted until" }).waitFor();
    // The timer change is a message both see.
    await page.getByTestId("disappearing-select").selectOption({ label: "Disappearing: 5 minutes" });
    await page.getByTestId("messages").filter({ hasText: "Disappearing messages: 5 minutes" }).waitFor();
    await page.getByTestId("block-toggle").filter({ hasText: "Block" }).click();
    await page.getByTestId("block-toggle").filter({ hasText: "Unblock" }).waitFor();
    await shot(page, "account-conversation-muted-and-blocked");
    // Bob's send in the now blocked direct conversation is refused.
    await bob.page.getByTestId("conversation").first().click();
    await bob.page.getByTestId("composer").fill("anyone there?");
    await bob.page.getByTestId("send").click();
    await bob.page
      .getByTestId("chat-error")
      .filter({ hasText: "blocked" })
      .waitFor()
      .catch(async (err: unknown) => {
        await shot(bob.page, "failed-account-blocked-sender");
        throw err;
      });
    await bob.page.getByTestId("status").filter({ hasText: "not sent" }).waitFor();
    await shot(bob.page, "account-blocked-sender");
    await page.getByTestId("open-settings").click();
    await page.getByTestId("blocked-users").filter({ hasText: "Bob" }).waitFor();
    await page.getByTestId("unblock").click();
    await page.getByTestId("blocked-users").filter({ hasText: "You block nobody." }).waitFor();
    await page.getByTestId("settings-back").click();
  });

  it("a blocked member's message in a shared group reads as hidden in the blocker's list row, until unblocked", async () => {
    const { page } = alice;
    const dan = await signUp(browser, "Dan");
    await startChat(dan.page, [alice.username, bob.username], "Book club");
    await bob.page.getByTestId("conversation").filter({ hasText: "Book club" }).click();
    await say(bob.page, "hello from bob");
    const groupPreview = page.getByTestId("conversation").filter({ hasText: "Book club" }).getByTestId("preview");
    await groupPreview.filter({ hasText: "hello from bob" }).waitFor();
    // Blocked from the header of their direct conversation: the group's row changes at once.
    const direct = page.getByTestId("conversation").filter({ has: page.getByTestId("conversation-title").filter({ hasText: /^Bob$/ }) });
    await direct.click();
    await page.getByTestId("block-toggle").filter({ hasText: "Block" }).click();
    await groupPreview.filter({ hasText: "A message from someone you blocked" }).waitFor();
    await shot(page, "account-blocked-member-preview");
    await page.getByTestId("block-toggle").filter({ hasText: "Unblock" }).click();
    await groupPreview.filter({ hasText: "hello from bob" }).waitFor();
    await dan.context.close();
  });

  it("exports the data, then deletes the account from settings: signed out, and a deleted account to the others", async ({ expect }) => {
    const carol = await signUp(browser, "Carol");
    const { page } = carol;
    await startChat(page, [alice.username]);
    await page.getByTestId("connection").filter({ hasText: "online" }).waitFor();
    await say(page, "my last words here");
    await page.getByTestId("open-settings").click();
    const data = page.getByTestId("account-data");
    await data.getByTestId("export-data").click();
    await data
      .getByTestId("export-status")
      .filter({ hasText: /^Export: (pending|ready)/ })
      .waitFor();
    // The archive is made in the background (the account queue); asking again shows the one under way.
    const download = data.getByTestId("export-status").getByRole("link", { name: "Download" });
    for (let i = 0; i < 60 && (await download.count()) === 0; i++) {
      await page.waitForTimeout(500);
      await data.getByTestId("export-data").click();
    }
    const archive = await carol.context.request.get((await download.getAttribute("href")) ?? "");
    expect(archive.status()).toBe(200);
    expect(await archive.text()).toContain("my last words here");
    await shot(page, "account-data-exported");

    await data.getByTestId("delete-password").fill("a wrong password");
    page.once("dialog", (dialog) => void dialog.accept());
    await data.getByTestId("delete-account-submit").click();
    await data
      .getByTestId("delete-error")
      .filter({ hasText: /password/i })
      .waitFor();
    await data.getByTestId("delete-password").fill("correct horse battery staple");
    page.once("dialog", (dialog) => void dialog.accept());
    await data.getByTestId("delete-account-submit").click();
    await page.getByTestId("auth-form").waitFor();
    // Alice, opening the app again, finds the conversation with a deleted account (the message stays until the erasure job runs).
    await alice.page.goto("/app/");
    await alice.page.getByTestId("conversation").filter({ hasText: "Deleted account" }).first().click();
    await alice.page.getByTestId("chat-title").filter({ hasText: "Deleted account" }).waitFor();
    await shot(alice.page, "account-deleted-seen-by-alice");
    // Signing in again with Carol's credentials fails.
    await page.getByTestId("auth-toggle").click();
    await page.getByTestId("email").fill(`${carol.username}@example.com`);
    await page.getByTestId("password").fill("correct horse battery staple");
    await page.getByTestId("auth-submit").click();
    await page.getByTestId("auth-error").filter({ hasText: /./ }).waitFor();
    await carol.context.close();
  });
});
