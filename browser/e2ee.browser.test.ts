import { readFileSync } from "node:fs";
import { afterAll, afterEach, beforeAll, describe, inject, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { apiFrom, launch, shot, signIn, signUp, startChat, whoAmI, type Person } from "./helpers";
import { captureTraffic, filesContaining, occurrences } from "./leak-search";

/**
 * Issue 19's proof in a real Chromium: Alice on two devices and Bob chat end-to-end encrypted
 * through the web app; a random canary in every message and in one file shows on every device and
 * is found nowhere else: not in any request, response or socket frame the browsers sent or received,
 * not in the stack's stored state (local D1, Durable Object SQLite, R2, KV), its logs, the dev
 * mailbox or the push outbox. A plaintext control sent the same way IS found, by the same search.
 */
const stateDir = inject("stateDir");
const logFile = inject("logFile");

const bodies = (page: Page) => page.getByTestId("messages").getByTestId("message-body");

/** An API call from the page as its user, with an access token from its own cookie session (one per page). */
const tokens = new WeakMap<Page, string>();
async function api(page: Page, method: string, path: string, body?: unknown): Promise<unknown> {
  const token = tokens.get(page) ?? (await whoAmI(page)).token;
  tokens.set(page, token);
  return (await apiFrom(page, token, method, path, body)).body;
}

/** Waits until the device's KeyPackages are in the directory (the app publishes them on start). */
async function published(page: Page): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const count = (await api(page, "GET", "/v1/devices/me/key-packages/count")) as { key_packages?: number };
    if ((count.key_packages ?? 0) > 0) return;
    await page.waitForTimeout(200);
  }
  throw new Error("the device never published KeyPackages");
}

describe("end-to-end encryption in Chromium: nothing but the devices can read it", () => {
  let browser: Browser;
  let alice: Person;
  let alice2: Person;
  let bob: Person;
  const traffic: Array<ReturnType<typeof captureTraffic>> = [];
  const canary = () => `canary${crypto.randomUUID().replace(/-/g, "")}`;
  const canaries = { first: canary(), reply: canary(), file: canary(), quoting: canary(), edit: canary() };
  const control = `control${crypto.randomUUID().replace(/-/g, "")}`;

  beforeAll(async () => {
    browser = await launch();
    [alice, bob] = await Promise.all([signUp(browser, "Alice"), signUp(browser, "Bob")]);
    alice2 = await signIn(browser, alice, "Alice");
    for (const person of [alice, alice2, bob]) traffic.push(captureTraffic(person.page));
    await Promise.all([alice, alice2, bob].map((p) => published(p.page)));
  });

  afterAll(async () => {
    await browser?.close();
  });

  afterEach(async ({ task }) => {
    if (task.result?.state !== "fail") return;
    await Promise.all([shot(alice.page, "failed-e2ee-alice"), shot(alice2.page, "failed-e2ee-alice2"), shot(bob.page, "failed-e2ee-bob")]);
  });

  it("a new direct chat is encrypted; messages and a file show decrypted on Alice's two devices and Bob's", async ({ expect }) => {
    await startChat(alice.page, [bob.username], undefined, { encrypted: true });
    await alice.page.getByTestId("e2ee-badge").waitFor();
    await alice.page.getByTestId("connection").filter({ hasText: "online" }).waitFor();
    await alice.page.getByTestId("composer").fill(`hello bob ${canaries.first}`);
    await alice.page.getByTestId("send").click();
    await bodies(alice.page).filter({ hasText: canaries.first }).waitFor();

    for (const reader of [bob, alice2]) {
      await reader.page.getByTestId("conversation").first().click();
      await bodies(reader.page).filter({ hasText: canaries.first }).waitFor();
    }
    await bob.page.getByTestId("composer").fill(`hi alice ${canaries.reply}`);
    await bob.page.getByTestId("send").click();
    for (const reader of [alice, alice2]) await bodies(reader.page).filter({ hasText: canaries.reply }).waitFor();

    await alice.page.getByTestId("file-input").setInputFiles({ name: "secret.txt", mimeType: "text/plain", buffer: Buffer.from(`file ${canaries.file}`) });
    for (const reader of [bob, alice2]) {
      const link = reader.page.getByTestId("attachment").filter({ hasText: "secret.txt" });
      await link.waitFor();
      // The click downloads the ciphertext, checks its digest, decrypts it on the device and saves the file.
      const [download] = await Promise.all([reader.page.waitForEvent("download"), link.click()]);
      expect(download.suggestedFilename()).toBe("secret.txt");
      expect(readFileSync(await download.path()).toString()).toBe(`file ${canaries.file}`);
    }
    expect(await alice.page.getByTestId("message-undecryptable").count()).toBe(0);
    await Promise.all([shot(alice.page, "e2ee-alice"), shot(alice2.page, "e2ee-alice-second-device"), shot(bob.page, "e2ee-bob")]);
  });

  it("a reply, an edit, a reaction and a deletion travel encrypted and show on every device", async ({ expect }) => {
    const row = (page: Page, text: string) =>
      page
        .getByTestId("messages")
        .getByTestId("message")
        .filter({ has: page.getByTestId("message-body").filter({ hasText: text }) });
    // Bob replies to Alice's first message: the quote shows on Alice's two devices.
    await row(bob.page, canaries.first).hover();
    await row(bob.page, canaries.first).getByTestId("reply").click();
    await bob.page.getByTestId("composer").fill(`quoting you ${canaries.quoting}`);
    await bob.page.getByTestId("composer").press("Enter");
    for (const reader of [alice, alice2]) await row(reader.page, canaries.quoting).getByTestId("reply-quote").filter({ hasText: canaries.first }).waitFor();

    // Alice edits that first message on one device: Bob and her other device see the new text, marked edited.
    await row(alice.page, canaries.first).hover();
    await row(alice.page, canaries.first).getByTestId("edit").click();
    await alice.page.getByTestId("composer").fill(`hello again ${canaries.edit}`);
    await alice.page.getByTestId("composer").press("Enter");
    for (const reader of [bob, alice2]) await row(reader.page, canaries.edit).getByTestId("edited").waitFor();
    // Bob's quote follows the edit.
    await row(bob.page, canaries.quoting).getByTestId("reply-quote").filter({ hasText: canaries.edit }).waitFor();

    // Bob reacts to it; Alice's devices count it.
    await row(bob.page, canaries.edit).hover();
    await row(bob.page, canaries.edit).getByTestId("react").click();
    await bob.page.getByTestId("react-with").filter({ hasText: "👍" }).first().click();
    for (const reader of [alice, alice2]) await row(reader.page, canaries.edit).getByTestId("reaction").filter({ hasText: "👍 1" }).waitFor();

    // Bob deletes his reply: a tombstone everywhere.
    await row(bob.page, canaries.quoting).hover();
    await row(bob.page, canaries.quoting).getByTestId("delete").click();
    await row(bob.page, canaries.quoting).getByTestId("confirm-delete").click();
    for (const reader of [alice, alice2]) await bodies(reader.page).filter({ hasText: "This message was deleted" }).waitFor();
    expect(await alice2.page.getByTestId("message-undecryptable").count()).toBe(0);
    await shot(alice2.page, "e2ee-actions-alice-second-device");
  });

  it("both sides show the same 60-digit safety number", async ({ expect }) => {
    const numbers: string[] = [];
    for (const person of [alice, bob]) {
      await person.page.getByTestId("verify-safety").click();
      numbers.push((await person.page.getByTestId("safety-number").textContent()) ?? "");
    }
    expect(numbers[0]?.replace(/ /g, "")).toMatch(/^\d{60}$/);
    expect(numbers[1]).toBe(numbers[0]);
    await shot(bob.page, "e2ee-safety-number");
  });

  it("the canaries are nowhere but on the devices; the plaintext control is found by the same search", async ({ expect }) => {
    // The control: a plaintext message in a conversation made without encryption, from the same browser.
    const made = (await api(alice.page, "POST", "/v1/conversations", { type: "group", name: "plaintext control", member_ids: [] })) as {
      conversation: { id: string };
    };
    await api(alice.page, "POST", `/v1/conversations/${made.conversation.id}/messages`, { client_id: crypto.randomUUID(), body: control });
    await alice.page.waitForTimeout(1500); // let the stack write its logs and state

    const network = Buffer.concat(await Promise.all(traffic.map((t) => t.text())));
    expect(occurrences(network, control).length).toBeGreaterThan(0);
    for (const secret of Object.values(canaries)) expect(occurrences(network, secret)).toEqual([]);

    const sinks: Buffer[] = [];
    for (const person of [alice, bob]) {
      const email = `${person.username}@example.com`;
      sinks.push(Buffer.from(JSON.stringify(await api(person.page, "GET", `/dev/mailbox?to=${encodeURIComponent(email)}`))));
      const me = (await api(person.page, "GET", "/v1/users/me")) as { user: { id: string } };
      sinks.push(Buffer.from(JSON.stringify(await api(person.page, "GET", `/dev/push-outbox?user_id=${me.user.id}`))));
    }
    for (const secret of Object.values(canaries)) expect(occurrences(Buffer.concat(sinks), secret)).toEqual([]);

    if (!stateDir) return; // a reused stack (SC_BASE_URL): its disk is not ours to search
    expect(filesContaining(stateDir, control).length).toBeGreaterThan(0);
    for (const secret of Object.values(canaries)) {
      expect(filesContaining(stateDir, secret)).toEqual([]);
      expect(occurrences(readFileSync(logFile), secret)).toEqual([]);
    }
  });
});
