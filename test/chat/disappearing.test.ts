/**
 * Disappearing messages (issue 21): who may set the timer, the change as a message, and erasure on
 * time by the room's alarm, across a room restart, with the attachment deleted and seq gap-free.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { DISAPPEARING_TIMER_CONTENT_TYPE } from "../../lib/contracts/account-controls";
import type { ConversationView, MessageView } from "../../lib/contracts/chat";
import { createUser, type TestUser } from "../helpers/auth";
import { downloadUrlOf, uploadFile } from "../storage/storage-client";
import { api, connect, createGroup, json, sendRest } from "./chat-client";

const setTimer = (user: TestUser, conversationId: string, body: unknown) => api(user, "PUT", `/v1/conversations/${conversationId}/disappearing`, body);
const history = async (user: TestUser, conversationId: string, query = ""): Promise<MessageView[]> =>
  (await json<{ messages: MessageView[] }>(await api(user, "GET", `/v1/conversations/${conversationId}/messages${query}`), 200)).messages;
const roomOf = (conversationId: string) => env.CONVERSATION_ROOM.get(env.CONVERSATION_ROOM.idFromName(conversationId));

/** Kills the room (its next request constructs it again from storage), as an eviction or a deploy would. */
async function restart(conversationId: string): Promise<void> {
  await runInDurableObject(roomOf(conversationId), (_instance, state) => state.abort("restart under test")).then(
    () => undefined,
    () => undefined,
  );
}

describe("disappearing messages", () => {
  it("any member of a direct chat, only owner or admins of a group, set it; the change is a message all members see", async ({ expect }) => {
    const [alice, bob, carol, eve] = await Promise.all([createUser(), createUser(), createUser(), createUser()]);
    const group = await createGroup(alice, [bob, carol]);
    const watcher = await connect(carol, group.id);
    expect((await setTimer(bob, group.id, { seconds: 3600 })).status).toBe(403);
    expect((await setTimer(eve, group.id, { seconds: 3600 })).status).toBe(404);
    expect(await json(await setTimer(alice, group.id, { seconds: 3600 }), 200)).toEqual({ disappearing: { conversation_id: group.id, seconds: 3600 } });
    const frame = await watcher.socket.next("message");
    expect(frame.message).toMatchObject({ sender_id: alice.user.id, content_type: DISAPPEARING_TIMER_CONTENT_TYPE, body: JSON.stringify({ seconds: 3600 }) });
    await json(await api(alice, "PATCH", `/v1/conversations/${group.id}/members/${bob.user.id}`, { role: "admin" }), 200);
    expect(await json(await setTimer(bob, group.id, { seconds: null }), 200)).toEqual({ disappearing: { conversation_id: group.id, seconds: null } });
    await watcher.socket.end();

    const direct = (
      await json<{ conversation: ConversationView }>(await api(bob, "POST", "/v1/conversations", { type: "direct", member_ids: [carol.user.id] }), 201)
    ).conversation;
    expect((await setTimer(carol, direct.id, { seconds: 30 })).status).toBe(200);
    expect((await setTimer(bob, direct.id, { seconds: 86_400 })).status).toBe(200);
  });

  it("a removed admin and a member who left can no longer set it; the conversation shows no change by them", async ({ expect }) => {
    const [alice, bob, carol] = await Promise.all([createUser(), createUser(), createUser()]);
    const group = await createGroup(alice, [bob, carol]);
    await json(await api(alice, "PATCH", `/v1/conversations/${group.id}/members/${bob.user.id}`, { role: "admin" }), 200);
    await json(await api(alice, "PATCH", `/v1/conversations/${group.id}/members/${carol.user.id}`, { role: "admin" }), 200);
    expect((await api(alice, "DELETE", `/v1/conversations/${group.id}/members/${bob.user.id}`)).status).toBe(204);
    expect((await api(carol, "DELETE", `/v1/conversations/${group.id}/members/${carol.user.id}`)).status).toBe(204);
    for (const gone of [bob, carol]) {
      const refused = await setTimer(gone, group.id, { seconds: 60 });
      expect(refused.status).toBe(404);
      expect(await refused.json()).toMatchObject({ error: { code: "NOT_FOUND" } });
      expect((await setTimer(gone, group.id, { seconds: null })).status).toBe(404);
    }
    const timerChanges = (await history(alice, group.id)).filter((m) => m.content_type === DISAPPEARING_TIMER_CONTENT_TYPE);
    expect(timerChanges).toEqual([]);
  });

  it("refuses hostile bodies", async ({ expect }) => {
    const alice = await createUser();
    const group = await createGroup(alice, []);
    for (const body of [{ seconds: 29 }, { seconds: 28 * 86_400 + 1 }, { seconds: "60" }, { seconds: 30.5 }, {}, { seconds: -1 }, []])
      expect((await setTimer(alice, group.id, body)).status).toBe(400);
    expect((await setTimer(alice, group.id, "{bad")).status).toBe(400);
    expect((await setTimer(null as unknown as TestUser, group.id, { seconds: 30 })).status).toBe(401);
    expect((await setTimer(alice, "01900000-0000-7000-8000-0000000000aa", { seconds: 30 })).status).toBe(404);
  });

  it("erases expired messages and their files on time, across a room restart; replay and history show only tombstones", async ({ expect }) => {
    const [alice, bob] = await Promise.all([createUser(), createUser()]);
    const group = await createGroup(alice, [bob]);
    await sendRest(alice, group.id, { client_id: "kept", body: "before the timer" });
    await json(await setTimer(alice, group.id, { seconds: 30 }), 200);
    const file = await uploadFile(bob, { size_bytes: 16 });
    const secret = (await sendRest(bob, group.id, { client_id: "secret", body: "gone soon", attachments: [file.id] })).message;
    expect((await downloadUrlOf(alice, file.id)).status).toBe(200);

    // Evicted and reloaded: the deadline and the alarm are in storage, not in memory.
    await restart(group.id);
    const armed = await runInDurableObject(roomOf(group.id), async (_instance, state) => {
      const row = state.storage.sql.exec<{ expires_at: number | null }>("SELECT expires_at FROM messages WHERE seq = ?", secret.seq).one();
      return { alarm: await state.storage.getAlarm(), expiresAt: row.expires_at };
    });
    expect(armed.expiresAt).toBeGreaterThan(Date.now() + 20_000);
    expect(armed.alarm).not.toBeNull();
    expect(armed.alarm).toBeLessThanOrEqual(armed.expiresAt ?? 0);

    // Time passes (the deadline is moved, not the clock), and the alarm fires.
    const bobSocket = await connect(bob, group.id);
    await runInDurableObject(roomOf(group.id), (_instance, state) => {
      const past = Date.now() - 1;
      state.storage.sql.exec("UPDATE messages SET expires_at = ? WHERE seq = ?", past, secret.seq);
      state.storage.sql.exec("UPDATE meta SET value = ? WHERE key = 'alarm:expiry'", String(past));
    });
    await runDurableObjectAlarm(roomOf(group.id));
    const updated = await bobSocket.socket.next("message_updated");
    expect(updated.message).toMatchObject({ seq: secret.seq, deleted: true, body: null, attachments: [] });

    const messages = await history(alice, group.id, "?after_seq=0");
    expect(messages.map((m) => m.seq)).toEqual([1, 2, 3]);
    expect(messages.find((m) => m.seq === secret.seq)).toMatchObject({ deleted: true, body: null, ciphertext: null, attachments: [] });
    expect(JSON.stringify(messages)).not.toContain("gone soon");
    expect(messages[0]).toMatchObject({ body: "before the timer", deleted: false });
    const replay = await connect(alice, group.id, { sinceSeq: 0 });
    const replayed = [await replay.socket.next("message"), await replay.socket.next("message"), await replay.socket.next("message")];
    expect(JSON.stringify(replayed)).not.toContain("gone soon");
    expect((await downloadUrlOf(alice, file.id)).status).toBe(404);
    expect((await downloadUrlOf(bob, file.id)).status).toBe(404);
    // Nothing else is due: the alarm now waits for nothing of the expiry timer.
    const left = await runInDurableObject(roomOf(group.id), (_instance, state) =>
      state.storage.sql.exec("SELECT COUNT(*) AS n FROM messages WHERE expires_at IS NOT NULL").one(),
    );
    expect(left).toEqual({ n: 0 });
    await bobSocket.socket.end();
    await replay.socket.end();
  });
});
