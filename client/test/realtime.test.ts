import { describe, it } from "vitest";
import type { ChatEvents } from "../src/index";
import { freshConversation, sharedPair } from "./helpers/users";
import { until } from "./helpers/wait";

async function conversation() {
  const { alice, bob } = await sharedPair();
  return { alice, bob, conversationId: await freshConversation(alice, bob) };
}

describe("chat helpers and uploads (real stack)", () => {
  it("typing, read receipts and presence arrive as typed events", async ({ expect }) => {
    const { alice, bob, conversationId } = await conversation();
    const aliceConn = alice.chat(conversationId, { sinceSeq: 0 });
    await aliceConn.once("ready");
    const presence: Array<ChatEvents["presence"]> = [];
    aliceConn.on("presence", (p) => presence.push(p));
    const bobConn = bob.chat(conversationId, { sinceSeq: 0 });
    await bobConn.once("ready");
    await until(() => presence.some((p) => p.user_id === bob.userId && p.status === "online"), "bob online");

    const typing = aliceConn.once("typing", (ids) => ids.includes(bob.userId ?? ""));
    bobConn.typing();
    await typing;

    const { seq } = await aliceConn.send({ body: "read me" });
    const receipt = aliceConn.once("read", (r) => r.user_id === bob.userId);
    expect(bobConn.markRead(seq)).toBe(true);
    expect(await receipt).toMatchObject({ seq });
    // The list view is copied off the send path (at most once a second per room): poll until it converges.
    let listed: { unread_count: number; last_read_seq: number } | undefined;
    await until(async () => {
      listed = (await bob.api.conversations.list()).conversations.find((c) => c.id === conversationId);
      return listed?.last_read_seq === seq;
    }, "bob's read watermark in the list");
    expect(listed).toMatchObject({ unread_count: 0, last_read_seq: seq });

    bobConn.close();
    await until(() => presence.some((p) => p.user_id === bob.userId && p.status === "offline"), "bob offline");
    const rest = await alice.api.presence.get([bob.userId ?? ""]);
    expect(rest.presence[0]).toMatchObject({ user_id: bob.userId, status: "offline" });
    aliceConn.close();
  });

  it("uploads through the presigned flow and shares the file as an attachment", async ({ expect }) => {
    const { alice, bob, conversationId } = await conversation();
    const bytes = new TextEncoder().encode("attached from the client SDK");
    const file = await alice.upload({ name: "notes.txt", type: "text/plain", size: bytes.byteLength, body: bytes }, { conversationId });
    expect(file).toMatchObject({ status: "completed", size_bytes: bytes.byteLength, conversation_id: conversationId });
    const conn = alice.chat(conversationId, { sinceSeq: 0 });
    await conn.send({ body: "see attached", attachments: [file.id] });
    conn.close();

    const [message] = (await bob.api.messages.list(conversationId)).messages;
    expect(message?.attachments).toEqual([file.id]);
    const link = await bob.api.storage.downloadUrl(file.id);
    expect(await (await fetch(link.download_url)).text()).toBe("attached from the client SDK");
    expect((await alice.api.storage.quota()).used_bytes).toBe(bytes.byteLength);
  });

  it("pages history backwards with before_seq", async ({ expect }) => {
    const { alice, conversationId } = await conversation();
    for (let i = 1; i <= 5; i++) await alice.api.messages.send(conversationId, { client_id: `p${i}`, body: `p${i}` });
    const newest = await alice.api.messages.list(conversationId, { limit: 2 });
    expect(newest.messages.map((m) => m.seq)).toEqual([5, 4]);
    expect(newest.has_more).toBe(true);
    const older = await alice.api.messages.list(conversationId, { before_seq: 4, limit: 5 });
    expect(older.messages.map((m) => m.seq)).toEqual([3, 2, 1]);
    expect(older.has_more).toBe(false);
  });
});
