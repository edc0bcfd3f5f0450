import { describe, it } from "vitest";
import type { MessageView } from "../../lib/contracts/chat";
import { createUser } from "../helpers/auth";
import { uploadFile } from "../storage/storage-client";
import { api, connect, createGroup, json, sendRest } from "./chat-client";

type Page = { messages: MessageView[]; has_more: boolean };
type Envelope = { error: { code: string } };

describe("messages over REST", () => {
  it("assigns gap-free seq from 1, dedupes by client_id (200 with the original), and aliases behave the same", async ({ expect }) => {
    const [alice, bob] = await Promise.all([createUser(), createUser()]);
    const group = await createGroup(alice, [bob]);
    const first = await sendRest(alice, group.id, { client_id: "a-1", body: "hello" });
    expect(first.status).toBe(201);
    expect(first.message).toMatchObject({
      seq: 1,
      conversation_id: group.id,
      sender_id: alice.user.id,
      client_id: "a-1",
      body: "hello",
      ciphertext: null,
      content_type: "text/plain",
      deleted: false,
      edited_at: null,
      attachments: [],
    });

    const retry = await sendRest(alice, group.id, { client_id: "a-1", body: "hello (retried)" });
    expect(retry.status).toBe(200);
    expect(retry.message).toEqual(first.message);

    // Another sender may reuse the same client_id: it is scoped per sender.
    const bobs = await sendRest(bob, group.id, { client_id: "a-1", body: "mine" });
    expect(bobs).toMatchObject({ status: 201, message: { seq: 2 } });

    const alias = await api(bob, "POST", "/v1/messages", { conversation_id: group.id, client_id: "b-2", body: "via alias" });
    expect((await json<{ message: MessageView }>(alias, 201)).message.seq).toBe(3);
    const aliasRetry = await api(bob, "POST", "/v1/messages", { conversation_id: group.id, client_id: "b-2", body: "via alias" });
    expect((await json<{ message: MessageView }>(aliasRetry, 200)).message.seq).toBe(3);

    const nested = await json<Page>(await api(alice, "GET", `/v1/conversations/${group.id}/messages`), 200);
    const aliased = await json<Page>(await api(alice, "GET", `/v1/messages?conversation_id=${group.id}`), 200);
    expect(nested.messages.map((m) => m.seq)).toEqual([3, 2, 1]);
    expect(aliased).toEqual(nested);
  });

  it("paginates with before_seq / after_seq / limit and has_more", async ({ expect }) => {
    const [alice, bob] = await Promise.all([createUser(), createUser()]);
    const group = await createGroup(alice, [bob]);
    for (let i = 1; i <= 12; i++) await sendRest(alice, group.id, { client_id: `p-${i}`, body: `m${i}` });
    const base = `/v1/conversations/${group.id}/messages`;
    const newest = await json<Page>(await api(bob, "GET", `${base}?limit=5`), 200);
    expect(newest.messages.map((m) => m.seq)).toEqual([12, 11, 10, 9, 8]);
    expect(newest.has_more).toBe(true);
    const older = await json<Page>(await api(bob, "GET", `${base}?limit=5&before_seq=8`), 200);
    expect(older.messages.map((m) => m.seq)).toEqual([7, 6, 5, 4, 3]);
    const oldest = await json<Page>(await api(bob, "GET", `${base}?limit=5&before_seq=3`), 200);
    expect(oldest).toMatchObject({ has_more: false });
    expect(oldest.messages.map((m) => m.seq)).toEqual([2, 1]);
    const forward = await json<Page>(await api(bob, "GET", `${base}?after_seq=9`), 200);
    expect(forward.messages.map((m) => m.seq)).toEqual([10, 11, 12]);
    expect(forward.has_more).toBe(false);
    const window = await json<Page>(await api(bob, "GET", `${base}?after_seq=2&limit=3`), 200);
    expect(window.messages.map((m) => m.seq)).toEqual([3, 4, 5]);
    expect(window.has_more).toBe(true);
    for (const bad of ["limit=101", "limit=0", "limit=abc", "before_seq=-1", "after_seq=1e3"]) {
      expect((await api(bob, "GET", `${base}?${bad}`)).status).toBe(400);
    }
  });

  it("validates bodies: exactly one of body/ciphertext, 64 KiB limit (413), attachments, reply_to_seq", async ({ expect }) => {
    const [alice, bob] = await Promise.all([createUser(), createUser()]);
    const group = await createGroup(alice, [bob]);
    const path = `/v1/conversations/${group.id}/messages`;
    const status = async (body: unknown) => (await api(alice, "POST", path, body)).status;
    expect(await status({ client_id: "v1" })).toBe(400);
    expect(await status({ client_id: "v2", body: "a", ciphertext: "b" })).toBe(400);
    expect(await status({ client_id: 7, body: "a" })).toBe(400);
    expect(await status({ client_id: "v3", body: 12 })).toBe(400);
    expect(await status({ client_id: "v4", body: "x", attachments: Array.from({ length: 11 }, (_, i) => `file${i}`) })).toBe(400);
    expect(await status({ client_id: "v5", body: "x", attachments: ["../etc/passwd"] })).toBe(400);
    expect(await status({ client_id: "v6", body: "x", reply_to_seq: 99 })).toBe(400);

    const atLimit = await sendRest(alice, group.id, { client_id: "big-ok", body: "é".repeat(32 * 1024) });
    expect(atLimit.message.body?.length).toBe(32 * 1024);
    const tooBig = await api(alice, "POST", path, { client_id: "big", body: "é".repeat(32 * 1024 + 1) });
    expect(tooBig.status).toBe(413);
    expect((await tooBig.json<Envelope>()).error.code).toBe("PAYLOAD_TOO_LARGE");

    // Attachments must be the sender's own uploaded files (test/chat/attachments.test.ts has the refusals).
    const file = await uploadFile(alice, { size_bytes: 4 });
    const withFiles = await sendRest(alice, group.id, { client_id: "files", body: "see", attachments: [file.id], reply_to_seq: 1 });
    expect(withFiles.message).toMatchObject({ attachments: [file.id], reply_to_seq: 1 });
  });

  it("stores ciphertext opaquely and never puts it in the list view", async ({ expect }) => {
    const [alice, bob] = await Promise.all([createUser(), createUser()]);
    const group = await createGroup(alice, [bob]);
    const sealed = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    const sent = await sendRest(alice, group.id, { client_id: "e2ee", ciphertext: sealed, content_type: "application/x-signal" });
    expect(sent.message).toMatchObject({ ciphertext: sealed, body: null, content_type: "application/x-signal" });
    const page = await json<Page>(await api(bob, "GET", `/v1/conversations/${group.id}/messages`), 200);
    expect(page.messages[0]?.ciphertext).toBe(sealed);
    let listed = "";
    for (let i = 0; i < 200 && !listed.includes('"seq":1'); i++) {
      listed = await (await api(bob, "GET", "/v1/conversations")).text();
      if (!listed.includes('"seq":1')) await scheduler.wait(20);
    }
    expect(listed).toContain('"seq":1');
    expect(listed).not.toContain(sealed);
  });

  it("edits (sender only), deletes (sender or group admin) leave tombstones, reactions toggle", async ({ expect }) => {
    const [owner, alice, bob] = await Promise.all([createUser(), createUser(), createUser()]);
    const group = await createGroup(owner, [alice, bob]);
    const m1 = (await sendRest(alice, group.id, { client_id: "e1", body: "typo" })).message;
    const file = await uploadFile(alice, { size_bytes: 4 });
    const m2 = (await sendRest(alice, group.id, { client_id: "e2", body: "bye", attachments: [file.id] })).message;
    const base = `/v1/conversations/${group.id}/messages`;

    expect((await api(bob, "PATCH", `${base}/${m1.seq}`, { body: "hacked" })).status).toBe(403);
    const edited = await json<{ message: MessageView }>(await api(alice, "PATCH", `${base}/${m1.seq}`, { body: "fixed" }), 200);
    expect(edited.message).toMatchObject({ body: "fixed", seq: m1.seq });
    expect(edited.message.edited_at).not.toBeNull();
    expect((await api(alice, "PATCH", `${base}/999`, { body: "x" })).status).toBe(404);

    const thumbs = encodeURIComponent("👍");
    const reacted = await json<{ message: MessageView }>(await api(bob, "PUT", `${base}/${m1.seq}/reactions/${thumbs}`), 200);
    expect(reacted.message.reactions).toEqual([{ emoji: "👍", user_ids: [bob.user.id] }]);
    await api(alice, "PUT", `${base}/${m1.seq}/reactions/${thumbs}`);
    const twice = await json<{ message: MessageView }>(await api(bob, "PUT", `${base}/${m1.seq}/reactions/${thumbs}`), 200);
    expect(twice.message.reactions).toEqual([{ emoji: "👍", user_ids: [bob.user.id, alice.user.id] }]);
    const removed = await json<{ message: MessageView }>(await api(bob, "DELETE", `${base}/${m1.seq}/reactions/${thumbs}`), 200);
    expect(removed.message.reactions).toEqual([{ emoji: "👍", user_ids: [alice.user.id] }]);
    for (const bad of ["hello", "a", encodeURIComponent("👍".repeat(20)), "%20"]) {
      expect((await api(bob, "PUT", `${base}/${m1.seq}/reactions/${bad}`)).status).toBe(400);
    }

    expect((await api(bob, "DELETE", `${base}/${m2.seq}`)).status).toBe(403);
    const tomb = await json<{ message: MessageView }>(await api(owner, "DELETE", `${base}/${m2.seq}`), 200);
    expect(tomb.message).toMatchObject({ seq: m2.seq, deleted: true, body: null, ciphertext: null, attachments: [], reactions: [] });
    const byAuthor = await json<{ message: MessageView }>(await api(alice, "DELETE", `${base}/${m1.seq}`), 200);
    expect(byAuthor.message.deleted).toBe(true);
    expect((await api(alice, "PATCH", `${base}/${m1.seq}`, { body: "undelete" })).status).toBe(409);
    const page = await json<Page>(await api(bob, "GET", base), 200);
    expect(page.messages.map((m) => [m.seq, m.deleted])).toEqual([
      [2, true],
      [1, true],
    ]);
  });

  it("read receipts only move forward and cannot pass the newest message", async ({ expect }) => {
    const [alice, bob] = await Promise.all([createUser(), createUser()]);
    const group = await createGroup(alice, [bob]);
    for (let i = 1; i <= 3; i++) await sendRest(alice, group.id, { client_id: `r${i}`, body: "x" });
    const read = (seq: unknown) => api(bob, "POST", `/v1/conversations/${group.id}/read`, { seq });
    expect(await json(await read(2), 200)).toEqual({ last_read_seq: 2 });
    expect(await json(await read(1), 200)).toEqual({ last_read_seq: 2 });
    expect((await read(4)).status).toBe(400);
    expect((await read("3")).status).toBe(400);
    expect(await json(await read(3), 200)).toEqual({ last_read_seq: 3 });
  });
});

describe("messages over the socket", () => {
  it("send → ack after store, fan-out to every member's socket, REST sends reach sockets too", async ({ expect }) => {
    const [alice, bob, carol] = await Promise.all([createUser(), createUser(), createUser()]);
    const group = await createGroup(alice, [bob, carol]);
    const a = await connect(alice, group.id);
    const b = await connect(bob, group.id, { bearer: true });
    expect(a.ready).toEqual({ type: "ready", last_seq: 0 });

    a.socket.send({ type: "send", client_id: "ws-1", body: "hi from ws" });
    const ack = await a.socket.next("ack");
    expect(ack).toEqual({ type: "ack", client_id: "ws-1", seq: 1 });
    const atBob = await b.socket.next("message");
    expect(atBob.message).toMatchObject({ seq: 1, body: "hi from ws", sender_id: alice.user.id });
    // Acknowledged means stored: it is in the history.
    const page = await json<Page>(await api(carol, "GET", `/v1/conversations/${group.id}/messages`), 200);
    expect(page.messages[0]).toEqual(atBob.message);

    await sendRest(carol, group.id, { client_id: "rest-1", body: "from rest" });
    expect((await a.socket.next("message", (f) => f.message.seq === 2)).message.body).toBe("from rest");
    expect((await b.socket.next("message", (f) => f.message.seq === 2)).message.sender_id).toBe(carol.user.id);

    // A retried client_id is acked again with the original seq; nothing new is stored.
    a.socket.send({ type: "send", client_id: "ws-1", body: "hi from ws" });
    expect(await a.socket.next("ack")).toEqual({ type: "ack", client_id: "ws-1", seq: 1 });
    const rest = await sendRest(alice, group.id, { client_id: "ws-1", body: "again" });
    expect(rest).toMatchObject({ status: 200, message: { seq: 1 } });
    const history = await json<Page>(await api(alice, "GET", `/v1/conversations/${group.id}/messages`), 200);
    expect(history.messages.map((m) => m.seq)).toEqual([2, 1]);
    await a.socket.end();
    await b.socket.end();
  });

  it("concurrent sends from several members: gap-free seq, same order at every receiver", async ({ expect }) => {
    const users = await Promise.all(Array.from({ length: 4 }, () => createUser()));
    const [owner, ...rest] = users as [(typeof users)[number], ...typeof users];
    const group = await createGroup(owner, rest);
    const sockets = await Promise.all(users.map((u) => connect(u, group.id)));
    const perSender = 15;
    const total = perSender * users.length;
    const received = sockets.map(({ socket }) => {
      const seqs: number[] = [];
      return (async () => {
        while (seqs.length < total) seqs.push((await socket.next("message")).message.seq);
        return seqs;
      })();
    });
    const restSends: Promise<unknown>[] = [];
    sockets.forEach(({ socket }, i) => {
      for (let k = 0; k < perSender; k++) {
        // Half over the socket, half over REST, interleaved.
        if (k % 2 === 0) socket.send({ type: "send", client_id: `c${i}-${k}`, body: `from ${i} #${k}` });
        else restSends.push(sendRest(users[i] ?? owner, group.id, { client_id: `c${i}-${k}`, body: `from ${i} #${k}` }));
      }
    });
    await Promise.all(restSends);
    const orders = await Promise.all(received);
    const expected = Array.from({ length: total }, (_, i) => i + 1);
    for (const order of orders) expect(order).toEqual(expected);
    const all: MessageView[] = [];
    for (let after = 0; all.length < total;) {
      const page = await json<Page>(await api(owner, "GET", `/v1/conversations/${group.id}/messages?after_seq=${after}&limit=100`), 200);
      all.push(...page.messages);
      after = page.messages[page.messages.length - 1]?.seq ?? after;
      if (!page.has_more) break;
    }
    expect(all.map((m) => m.seq)).toEqual(expected);
    expect(new Set(all.map((m) => `${m.sender_id}/${m.client_id}`)).size).toBe(total);
    await Promise.all(sockets.map(({ socket }) => socket.end()));
  });

  it("typing is relayed to others (never stored); read receipts are broadcast once per advance", async ({ expect }) => {
    const [alice, bob] = await Promise.all([createUser(), createUser()]);
    const group = await createGroup(alice, [bob]);
    const a = await connect(alice, group.id);
    const b = await connect(bob, group.id);
    a.socket.send({ type: "typing" });
    expect(await b.socket.next("typing")).toEqual({ type: "typing", user_id: alice.user.id, expires_in: 5 });
    a.socket.send({ type: "send", client_id: "t1", body: "x" });
    await a.socket.next("ack");
    b.socket.send({ type: "read", seq: 1 });
    expect(await a.socket.next("read")).toEqual({ type: "read", user_id: bob.user.id, seq: 1 });
    b.socket.send({ type: "read", seq: 5 });
    expect(await b.socket.next("error")).toMatchObject({ code: "VALIDATION_ERROR" });
    const history = await json<Page>(await api(alice, "GET", `/v1/conversations/${group.id}/messages`), 200);
    expect(history.messages).toHaveLength(1);
    expect(a.socket.frames.some((f) => f.type === "typing")).toBe(false);
    await a.socket.end();
    await b.socket.end();
  });

  it("edits, deletes and reactions reach sockets as message_updated", async ({ expect }) => {
    const [alice, bob] = await Promise.all([createUser(), createUser()]);
    const group = await createGroup(alice, [bob]);
    const b = await connect(bob, group.id);
    const m = (await sendRest(alice, group.id, { client_id: "u1", body: "first" })).message;
    await b.socket.next("message");
    await api(alice, "PATCH", `/v1/conversations/${group.id}/messages/${m.seq}`, { body: "second" });
    expect((await b.socket.next("message_updated")).message).toMatchObject({ seq: m.seq, body: "second" });
    await api(alice, "PUT", `/v1/conversations/${group.id}/messages/${m.seq}/reactions/${encodeURIComponent("🎉")}`);
    expect((await b.socket.next("message_updated")).message.reactions).toEqual([{ emoji: "🎉", user_ids: [alice.user.id] }]);
    await api(alice, "DELETE", `/v1/conversations/${group.id}/messages/${m.seq}`);
    expect((await b.socket.next("message_updated")).message).toMatchObject({ seq: m.seq, deleted: true, body: null });
    await b.socket.end();
  });
});
