import { afterAll, afterEach, beforeAll, describe, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { launch, published, say, shot, signIn, signUp, startChat, type Person } from "./helpers";

/**
 * Issue 19's "a device that lost its state can rejoin", in the web app: Alice's second browser
 * profile loses its E2EE store (its IndexedDB records; the session stays), reloads, opens the chat
 * and rejoins by External Commit. What it shows: messages sent after its join, nothing before (no
 * "could not decrypt" rows); Bob's page warns that one of Alice's devices changed its key.
 */

const bodies = (page: Page) => page.getByTestId("messages").getByTestId("message-body");

/** What clearing a profile's site data does to the app's E2EE store (app/src/main.ts: "secureconnect-app"), then a reload. */
async function loseE2eeStore(page: Page): Promise<void> {
  await page.evaluate(
    () =>
      new Promise<void>((resolve, reject) => {
        const open = indexedDB.open("secureconnect-app");
        open.onerror = () => reject(open.error ?? new Error("open failed"));
        open.onsuccess = () => {
          const tx = open.result.transaction("e2ee", "readwrite");
          tx.objectStore("e2ee").clear();
          tx.oncomplete = () => resolve();
          tx.onerror = () => reject(tx.error ?? new Error("clear failed"));
        };
      }),
  );
  await page.reload();
}

describe("a browser profile that lost its E2EE store rejoins its encrypted chat", () => {
  let browser: Browser;
  let alice: Person;
  let alice2: Person;
  let bob: Person;

  beforeAll(async () => {
    browser = await launch();
    [alice, bob] = await Promise.all([signUp(browser, "Alice"), signUp(browser, "Bob")]);
    alice2 = await signIn(browser, alice, "Alice");
    await Promise.all([alice, alice2, bob].map((p) => published(p.page)));
  });

  afterAll(async () => {
    await browser?.close();
  });

  afterEach(async ({ task }) => {
    if (task.result?.state !== "fail") return;
    await Promise.all([shot(alice2.page, "failed-rejoin-alice2"), shot(bob.page, "failed-rejoin-bob")]);
  });

  it("after a reload with an empty store, opening the chat rejoins: later messages read there, earlier ones are not shown, Bob is warned", async ({
    expect,
  }) => {
    const before = `before the loss ${crypto.randomUUID()}`;
    await startChat(alice.page, [bob.username], undefined, { encrypted: true });
    await alice.page.getByTestId("e2ee-badge").waitFor();
    await say(alice.page, before);
    for (const reader of [bob, alice2]) {
      await reader.page.getByTestId("conversation").first().click();
      await bodies(reader.page).filter({ hasText: before }).waitFor();
    }

    await loseE2eeStore(alice2.page);
    await alice2.page.getByTestId("conversation").first().click();
    await alice2.page.getByTestId("e2ee-badge").waitFor();
    // Bob's open chat applies the rejoin's commit: a new key for one of Alice's devices.
    await bob.page.getByTestId("key-changed-warning").filter({ hasText: "one of Alice's devices changed" }).waitFor();

    const after = `after the rejoin ${crypto.randomUUID()}`;
    await say(bob.page, after);
    await bodies(alice2.page).filter({ hasText: after }).waitFor();
    const back = `from the rejoined profile ${crypto.randomUUID()}`;
    await say(alice2.page, back);
    for (const reader of [bob, alice]) await bodies(reader.page).filter({ hasText: back }).waitFor();
    // History there starts at the join: the earlier message is neither shown nor left as "could not decrypt".
    expect(await bodies(alice2.page).filter({ hasText: before }).count()).toBe(0);
    expect(await alice2.page.getByTestId("message-undecryptable").count()).toBe(0);
    await shot(alice2.page, "e2ee-rejoined-alice2");
  });
});
