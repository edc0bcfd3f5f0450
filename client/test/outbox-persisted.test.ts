import { afterEach, describe, it } from "vitest";
import { MemoryOutboxStore } from "../src/index";
import { FlakyProxy } from "./helpers/flaky-proxy";
import { baseUrl, freshConversation, sameSession, sharedPair } from "./helpers/users";
import { until } from "./helpers/wait";

/**
 * The persisted outbox against the real stack: a page "reloads" (its client and connection are
 * dropped, a new client starts on the same session) while a message is unacknowledged. One store
 * instance outlives both clients, as an IndexedDB database outlives a page (the IndexedDB store
 * itself is tested in stores.test.ts).
 */
const proxies: FlakyProxy[] = [];
afterEach(async () => {
  await Promise.all(proxies.splice(0).map((p) => p.close()));
});

async function setup() {
  const proxy = await FlakyProxy.start(baseUrl);
  proxies.push(proxy);
  const { alice, bob } = await sharedPair();
  const conversationId = await freshConversation(alice, bob);
  const store = new MemoryOutboxStore();
  const history = async () => (await bob.api.messages.list(conversationId, { after_seq: 0, limit: 100 })).messages;
  return { proxy, alice, store, conversationId, history };
}

describe("persisted outbox across a reload (real stack)", () => {
  it("stored by the room but the ack lost, then a reload: the next run resends it and it is stored once", async ({ expect }) => {
    const { proxy, alice, store, conversationId, history } = await setup();
    const before = sameSession(alice, { baseUrl: proxy.url, outboxStore: store });
    const conn = before.chat(conversationId, { sinceSeq: 0 });
    await conn.once("ready");
    proxy.dropAnswers();
    const sending = conn.send({ body: "sent just before the reload" });
    await until(async () => (await history()).length === 1, "the room stored it");
    conn.close(); // the reload
    await expect(sending).rejects.toThrow(/closed/);
    expect((await store.load()).map((s) => s.frame.body)).toEqual(["sent just before the reload"]);

    const after = sameSession(alice, { outboxStore: store });
    const conn2 = after.chat(conversationId, { sinceSeq: 0 });
    await until(async () => (await store.load()).length === 0, "acknowledged and forgotten");
    const messages = await history();
    expect(messages.map((m) => m.body)).toEqual(["sent just before the reload"]);
    conn2.close();
  });

  it("never reached the room (dead network), then a reload: sent exactly once, in order with what follows", async ({ expect }) => {
    const { proxy, alice, store, conversationId, history } = await setup();
    const before = sameSession(alice, { baseUrl: proxy.url, outboxStore: store });
    const conn = before.chat(conversationId, { sinceSeq: 0 });
    await conn.once("ready");
    proxy.blackhole();
    const lost = [conn.send({ body: "one" }), conn.send({ body: "two" })];
    conn.close();
    await Promise.allSettled(lost);
    expect(await history()).toEqual([]);

    const after = sameSession(alice, { outboxStore: store });
    const conn2 = after.chat(conversationId, { sinceSeq: 0 });
    await conn2.send({ body: "three" });
    await until(async () => (await history()).length === 3, "all three stored");
    expect((await history()).map((m) => m.body)).toEqual(["one", "two", "three"]);
    expect(await store.load()).toEqual([]);
    conn2.close();
  });

  it("flushOutbox sends what a reload left over REST, without opening the conversation; a second flush and a connection add nothing", async ({ expect }) => {
    const { proxy, alice, store, conversationId, history } = await setup();
    const before = sameSession(alice, { baseUrl: proxy.url, outboxStore: store });
    const conn = before.chat(conversationId, { sinceSeq: 0 });
    await conn.once("ready");
    proxy.dropAnswers();
    const sending = conn.send({ body: "left behind" });
    await until(async () => (await history()).length === 1, "the room stored it");
    conn.close();
    await sending.catch(() => undefined);

    const after = sameSession(alice, { outboxStore: store });
    expect(await after.flushOutbox()).toEqual({ sent: 1, refused: 0, kept: 0 });
    expect(await after.flushOutbox()).toEqual({ sent: 0, refused: 0, kept: 0 });
    const conn2 = after.chat(conversationId, { sinceSeq: 0 });
    await conn2.send({ body: "next" });
    expect((await history()).map((m) => m.body)).toEqual(["left behind", "next"]);
    conn2.close();
  });
});
