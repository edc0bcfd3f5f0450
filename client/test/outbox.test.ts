import { afterEach, describe, it } from "vitest";
import type { Message, SocketState } from "../src/index";
import { FlakyProxy } from "./helpers/flaky-proxy";
import { baseUrl, freshConversation, sameSession, sharedPair } from "./helpers/users";
import { until } from "./helpers/wait";

const proxies: FlakyProxy[] = [];
afterEach(async () => {
  await Promise.all(proxies.splice(0).map((p) => p.close()));
});

/** Alice talks through a proxy we can break; Bob listens on a healthy connection. */
async function setup() {
  const proxy = await FlakyProxy.start(baseUrl);
  proxies.push(proxy);
  const accounts = await sharedPair();
  const alice = sameSession(accounts.alice, { baseUrl: proxy.url });
  const bob = accounts.bob;
  const conversationId = await freshConversation(alice, bob);
  const bobConn = bob.chat(conversationId, { sinceSeq: 0 });
  const seenByBob: Message[] = [];
  bobConn.on("message", (m) => seenByBob.push(m));
  await bobConn.once("ready");
  return { proxy, alice, bob, bobConn, seenByBob, conversationId };
}

describe("outbox across broken connections (real stack)", () => {
  it("connection cut after the server stored messages but before their acks arrived: no loss, no duplicate", async ({ expect }) => {
    const { proxy, alice, bob, bobConn, seenByBob, conversationId } = await setup();
    const conn = alice.chat(conversationId, { sinceSeq: 0 });
    const states: SocketState[] = [];
    conn.on("state", (s) => states.push(s));
    await conn.once("ready");

    // 1. Ten sends reach the room and are stored, but every ack is lost on the way back.
    proxy.dropAnswers();
    let resolved = 0;
    const first = Array.from({ length: 10 }, (_, i) => conn.send({ body: `m${i}` }).then((d) => (resolved++, d)));
    await until(async () => (await bob.api.messages.list(conversationId, { limit: 100 })).messages.length === 10, "the room stored all ten");
    expect(resolved).toBe(0);
    expect(conn.pending).toHaveLength(10);

    // 2. The connection dies; ten more are sent while it is down.
    proxy.cut();
    proxy.heal();
    const second = Array.from({ length: 10 }, (_, i) => conn.send({ body: `m${i + 10}` }));
    const delivered = await Promise.all([...first, ...second]);

    expect(states).toContain("reconnecting");
    expect(delivered.map((d) => d.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(conn.pending).toHaveLength(0);
    const history = (await bob.api.messages.list(conversationId, { after_seq: 0, limit: 100 })).messages;
    expect(history.map((m) => m.body)).toEqual(Array.from({ length: 20 }, (_, i) => `m${i}`));
    expect(new Set(history.map((m) => m.client_id)).size).toBe(20);
    await until(() => seenByBob.length >= 20, "bob saw twenty messages");
    expect(seenByBob.map((m) => m.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    conn.close();
    bobConn.close();
  });

  it("a black-holed socket is caught by the heartbeat; the outbox goes out on the next connection", async ({ expect }) => {
    const { proxy, alice, bob, bobConn, seenByBob, conversationId } = await setup();
    const conn = alice.chat(conversationId, { sinceSeq: 0 });
    await conn.once("ready");
    proxy.blackhole();
    const sends = Array.from({ length: 5 }, (_, i) => conn.send({ body: `quiet ${i}` }));
    await conn.once("state", (s) => s === "reconnecting");
    proxy.heal();
    const delivered = await Promise.all(sends);
    expect(delivered.map((d) => d.seq)).toEqual([1, 2, 3, 4, 5]);
    const history = (await bob.api.messages.list(conversationId, { limit: 100 })).messages;
    expect(history).toHaveLength(5);
    await until(() => seenByBob.length >= 5, "bob saw five messages");
    expect(seenByBob.map((m) => m.body)).toEqual(["quiet 0", "quiet 1", "quiet 2", "quiet 3", "quiet 4"]);
    conn.close();
    bobConn.close();
  });

  it("resumes with since_seq after being offline and sees what it missed, once and in order", async ({ expect }) => {
    const { proxy, alice, bob, bobConn, conversationId } = await setup();
    await bob.api.messages.send(conversationId, { client_id: "before", body: "before" });
    const conn = alice.chat(conversationId, { sinceSeq: 0 });
    const seen: Message[] = [];
    conn.on("message", (m) => seen.push(m));
    await until(() => seen.length === 1, "alice saw the first message");

    proxy.blackhole();
    for (const body of ["while", "you", "were out"]) await bob.api.messages.send(conversationId, { client_id: body, body });
    proxy.cut();
    proxy.heal();
    await until(() => seen.length >= 4, "alice caught up");
    expect(seen.map((m) => m.body)).toEqual(["before", "while", "you", "were out"]);
    expect(conn.lastSeq).toBe(4);
    conn.close();
    bobConn.close();
  });

  it("a message the room refuses is rejected with its code and not retried", async ({ expect }) => {
    const { alice, bobConn, conversationId } = await setup();
    const conn = alice.chat(conversationId, { sinceSeq: 0 });
    await conn.once("ready");
    const tooBig = conn.send({ body: "x".repeat(70 * 1024) });
    await expect(tooBig).rejects.toMatchObject({ name: "SendRejected", code: "PAYLOAD_TOO_LARGE" });
    expect(conn.pending).toHaveLength(0);
    await expect(conn.send({ body: "fine" })).resolves.toMatchObject({ seq: 1 });
    conn.close();
    bobConn.close();
  });
});
