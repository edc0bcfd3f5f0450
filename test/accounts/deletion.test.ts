/**
 * Deleting an account (DELETE /v1/users/me): the hostile cases, what stops at once, and what the
 * queued erasure leaves behind, read straight from D1, each Durable Object's SQLite and R2.
 */
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { ConversationView, MessageView } from "../../lib/contracts/chat";
import { BASE, createUser, DEFAULT_PASSWORD, signInAgain, uniqueIp, type TestUser } from "../helpers/auth";
import { api, createGroup, json, sendRest } from "../chat/chat-client";
import { putKeys, upload, prekeys } from "../keys/keys-client";
import { registerDevice } from "../notifications/support";
import { uploadFile } from "../storage/storage-client";
import { d1RowsMentioning, deleteAccount, deviceIdsOf, deviceStub, doRowsMentioning, erasureDone, r2KeysMentioning, roomStub } from "./support";

const direct = async (a: TestUser, b: TestUser): Promise<ConversationView> =>
  (await json<{ conversation: ConversationView }>(await api(a, "POST", "/v1/conversations", { type: "direct", member_ids: [b.user.id] }), 201)).conversation;

async function history(user: TestUser, conversationId: string): Promise<MessageView[]> {
  const res = await api(user, "GET", `/v1/conversations/${conversationId}/messages?after_seq=0&limit=100`);
  return (await json<{ messages: MessageView[] }>(res, 200)).messages;
}

describe("DELETE /v1/users/me: refusals", () => {
  it("needs the password: a wrong one is 401 INVALID_CREDENTIALS and changes nothing; a missing or mistyped one is 400", async () => {
    const user = await createUser();
    const wrong = await deleteAccount(user, { password: "not the password" });
    expect(wrong.status).toBe(401);
    expect((await wrong.json<{ error: { code: string } }>()).error.code).toBe("INVALID_CREDENTIALS");
    for (const body of [{}, { password: 12345678 }, { password: "" }, "{not json"]) expect((await deleteAccount(user, body)).status).toBe(400);
    expect((await exports.default.fetch(`${BASE}/v1/users/me`, { headers: user.headers })).status).toBe(200);
  });

  it("without a valid token: 401 UNAUTHORIZED, whatever the body says", async () => {
    const user = await createUser();
    const forged = { ...user.headers, Authorization: `Bearer ${user.accessToken.slice(0, -4)}AAAA` };
    expect((await deleteAccount(user, { password: user.password }, forged)).status).toBe(401);
    expect((await deleteAccount(user, { password: user.password }, { "Content-Type": "application/json" })).status).toBe(401);
  });

  it("guesses are throttled like login: past the limit 429 with Retry-After, before any hashing", async () => {
    const user = await createUser();
    const headers = { ...user.headers, "cf-connecting-ip": uniqueIp() };
    const statuses: number[] = [];
    for (let i = 0; i < 22; i += 1) statuses.push((await deleteAccount(user, { password: `guess-${i}-wrong` }, headers)).status);
    expect(statuses.slice(0, 20).every((s) => s === 401)).toBe(true);
    const blocked = await deleteAccount(user, { password: user.password }, headers);
    expect(blocked.status).toBe(429);
    expect(blocked.headers.get("retry-after")).toBeTruthy();
  });
});

describe("DELETE /v1/users/me: at once", () => {
  it("ends every session (access and refresh tokens of all devices), and a second deletion is 401", async () => {
    const user = await createUser();
    const other = await signInAgain(user);
    const res = await deleteAccount(user, { password: user.password });
    expect(res.status).toBe(204);
    for (const session of [user, other]) {
      expect((await exports.default.fetch(`${BASE}/v1/users/me`, { headers: session.headers })).status).toBe(401);
      const refreshed = await exports.default.fetch(`${BASE}/v1/auth/refresh`, {
        method: "POST",
        headers: { "Content-Type": "application/json", "cf-connecting-ip": uniqueIp() },
        body: JSON.stringify({ refresh_token: session.refreshToken }),
      });
      expect(refreshed.status).toBe(401);
    }
    expect((await deleteAccount(user, { password: user.password })).status).toBe(401);
    const login = await exports.default.fetch(`${BASE}/v1/auth/login`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "cf-connecting-ip": uniqueIp() },
      body: JSON.stringify({ email: user.user.email, password: user.password }),
    });
    expect(login.status).toBe(401);
  });

  it('others see a "Deleted account" (no username), search finds nobody, and nobody can start a chat with it', async () => {
    const [gone, viewer] = [await createUser(), await createUser()];
    expect((await deleteAccount(gone, { password: gone.password })).status).toBe(204);
    const profile = await json<{ user: Record<string, unknown> }>(await api(viewer, "GET", `/v1/users/${gone.user.id}`), 200);
    expect(profile.user).toEqual({
      id: gone.user.id,
      username: null,
      display_name: "Deleted account",
      avatar_file_id: null,
      created_at: gone.user.created_at,
      deleted: true,
    });
    const search = await json<{ users: unknown[] }>(await api(viewer, "GET", `/v1/users?q=${gone.user.username}`), 200);
    expect(search.users).toEqual([]);
    const chat = await api(viewer, "POST", "/v1/conversations", { type: "direct", member_ids: [gone.user.id] });
    expect(chat.status).toBe(400);
  });
});

describe("the queued erasure", () => {
  it("leaves no row, Durable Object record or R2 object with the user's id or content, except contentless tombstones", async () => {
    const [alice, bob, carol] = [await createUser({ display_name: "Alice Liddell" }), await createUser(), await createUser()];
    const secret = `alice-secret-${crypto.randomUUID()}`;
    const [aliceDevice] = await deviceIdsOf(alice);
    if (!aliceDevice) throw new Error("no device");
    await registerDevice(alice, `push-${crypto.randomUUID()}`);
    expect((await putKeys(alice.headers, upload(aliceDevice, prekeys(1, 3)))).status).toBe(204);

    // A group Alice owns (Carol is its admin), a group Bob owns, a direct chat, a group she left, and one only she is in.
    const owned = await createGroup(alice, [bob, carol], "alice's");
    await json(await api(alice, "PATCH", `/v1/conversations/${owned.id}/members/${carol.user.id}`, { role: "admin" }), 200);
    const bobs = await createGroup(bob, [alice], "bob's");
    const dm = await direct(alice, bob);
    const left = await createGroup(carol, [alice, bob], "left");
    const alone = await createGroup(alice, [], "alone");

    const file = await uploadFile(alice, { size_bytes: 64, file_name: `${secret}.png`, conversation_id: dm.id });
    for (const c of [owned, bobs, dm, left, alone]) {
      expect((await sendRest(alice, c.id, { client_id: `${secret}-${c.id}`, body: `${secret} in ${c.id}` })).status).toBe(201);
    }
    expect((await sendRest(alice, dm.id, { client_id: "with-file", body: secret, attachments: [file.id] })).status).toBe(201);
    const bobMessage = await sendRest(bob, dm.id, { client_id: "bob-1", body: "hello from bob" });
    expect((await api(alice, "PUT", `/v1/conversations/${dm.id}/messages/${bobMessage.message.seq}/reactions/%F0%9F%91%8D`)).status).toBe(200);
    expect((await api(alice, "DELETE", `/v1/conversations/${left.id}/members/${alice.user.id}`)).status).toBe(204);
    expect((await api(bob, "POST", `/v1/devices/${aliceDevice}/mailbox`, { payload: "d2VsY29tZQ" })).status).toBe(201);

    expect((await deleteAccount(alice, { password: DEFAULT_PASSWORD })).status).toBe(204);
    await erasureDone(alice.user.id);

    const needles = [alice.user.id, alice.user.email, alice.user.username, "Alice Liddell", secret];
    // D1: the tombstone row of the user (its id and times) and list-view copies of her message tombstones (sender id, no content).
    const d1 = await d1RowsMentioning(needles);
    const userRows = d1.filter((h) => h.table === "users");
    expect(userRows.map((h) => h.row)).toEqual([
      expect.objectContaining({ id: alice.user.id, email: "", username: "", display_name: "Deleted account", password_hash: "!deleted" }),
    ]);
    for (const hit of d1.filter((h) => h.table !== "users")) {
      expect(hit.table).toBe("conversations");
      expect(JSON.parse(String(hit.row.last_message))).toMatchObject({ sender_id: alice.user.id, body: null, ciphertext: null, deleted: true });
      expect(JSON.stringify({ ...hit.row, last_message: null })).not.toContain(alice.user.id);
      expect(JSON.stringify(hit.row)).not.toContain(secret);
    }

    // Rooms: only tombstones of her messages (sender id, seq, times), no content, client id or reaction of hers.
    for (const c of [owned, bobs, dm, left, alone]) {
      for (const hit of await doRowsMentioning(roomStub(c.id), needles)) {
        expect(hit.table).toBe("messages");
        expect(hit.row).toMatchObject({ sender_id: alice.user.id, body: null, ciphertext: null, attachments: null, reactions: null, deleted: 1 });
        expect(JSON.stringify(hit.row)).not.toContain(secret);
      }
    }
    expect(await doRowsMentioning(deviceStub(aliceDevice), needles)).toEqual([]);
    expect(await doRowsMentioning(deviceStub(aliceDevice), ["d2VsY29tZQ"])).toEqual([]);
    expect(await r2KeysMentioning(alice.user.id)).toEqual([]);

    // What the others see: the owned group passed to its admin, the lone group is gone, the log is gap-free.
    const ownedNow = await json<{ conversation: ConversationView }>(await api(bob, "GET", `/v1/conversations/${owned.id}`), 200);
    expect(ownedNow.conversation.members.map((m) => m.user_id).sort()).toEqual([bob.user.id, carol.user.id].sort());
    expect(ownedNow.conversation.members.find((m) => m.role === "owner")?.user_id).toBe(carol.user.id);
    expect(await env.DB.prepare("SELECT id FROM conversations WHERE id = ?").bind(alone.id).first()).toBeNull();
    const dmHistory = await history(bob, dm.id);
    expect(dmHistory.map((m) => m.seq)).toEqual([1, 2, 3]);
    expect(dmHistory.filter((m) => m.sender_id === alice.user.id).every((m) => m.deleted && m.body === null && m.attachments.length === 0)).toBe(true);
    expect(dmHistory.find((m) => m.sender_id === bob.user.id)?.reactions).toEqual([]);

    // The email and username are free again.
    const again = await exports.default.fetch(`${BASE}/v1/auth/register`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "cf-connecting-ip": uniqueIp() },
      body: JSON.stringify({ email: alice.user.email, username: alice.user.username, password: DEFAULT_PASSWORD }),
    });
    expect(again.status).toBe(201);
  }, 90_000);

  it("races sends from the deleted user: each is stored then erased, or refused; none survives", async () => {
    const [alice, bob] = [await createUser(), await createUser()];
    const group = await createGroup(bob, [alice], "race");
    const send = (clientId: string, body: string) => api(alice, "POST", `/v1/conversations/${group.id}/messages`, { client_id: clientId, body });
    const sends = Array.from({ length: 30 }, (_, i) => send(`race-${i}`, `racing body ${i}`));
    const deletion = deleteAccount(alice, { password: alice.password });
    const statuses = (await Promise.all(sends)).map((r) => r.status);
    expect((await deletion).status).toBe(204);
    for (const status of statuses) expect([201, 401, 404]).toContain(status);
    // A token some other isolate still takes as valid (<= 30 s) could send after the room was erased: refused there.
    expect((await send("after", "after deletion")).status).toBe(401);
    await erasureDone(alice.user.id);
    const messages = await history(bob, group.id);
    expect(messages.filter((m) => m.sender_id === alice.user.id).every((m) => m.deleted && m.body === null)).toBe(true);
    expect(await doRowsMentioning(roomStub(group.id), ["racing body", "race-"])).toEqual([]);
    expect(messages.map((m) => m.seq)).toEqual(messages.map((_, i) => i + 1));
  });
});
