import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterAll, beforeAll, describe, it } from "vitest";
import type { ConversationListItemView, ConversationView, MessageView } from "../../lib/contracts/chat";
import type { OutboxList } from "../../lib/contracts/dev";
import type { MailboxEntry } from "../../lib/contracts/device-stream";
import { epochFromConflict, MLS_LIMITS, type ClaimedKeyPackage, type MlsGroupView } from "../../lib/contracts/mls";
import type { ErrorDetail } from "../../lib/errors";
import { accepted, upgradeEvents } from "../devices/device-client";
import { installRealtimeFakes, type RealtimeFakes } from "../fakes/realtime-network";
import { createUser, type TestUser } from "../helpers/auth";
import { deviceOf, opaque } from "../helpers/mls";
import { api, connect, json, sendRest, ticketFor } from "./chat-client";

/** Encrypted (`mls`) conversations: the room as MLS's delivery service, through the gateway. */

let fakes: RealtimeFakes;
beforeAll(() => {
  fakes = installRealtimeFakes();
});
afterAll(() => fakes.uninstall());

async function createMls(
  owner: TestUser,
  members: TestUser[],
  type: "group" | "direct" = "group",
): Promise<{ status: number; conversation: ConversationView }> {
  const res = await api(owner, "POST", "/v1/conversations", {
    type,
    member_ids: members.map((m) => m.user.id),
    encryption: "mls",
    ...(type === "group" ? { name: "e2ee" } : {}),
  });
  const text = await res.text();
  if (res.status !== 201 && res.status !== 200) throw new Error(`create answered ${res.status}: ${text}`);
  return { status: res.status, conversation: (JSON.parse(text) as { conversation: ConversationView }).conversation };
}

const post = (user: TestUser, conversationId: string, body: unknown) => api(user, "POST", `/v1/conversations/${conversationId}/messages`, body);
const commit = (epoch: number, clientId = crypto.randomUUID(), extra: Record<string, unknown> = {}) => ({
  client_id: clientId,
  content_type: "mls/commit",
  ciphertext: opaque(900),
  epoch,
  ...extra,
});
const application = (extra: Record<string, unknown> = {}) => ({ client_id: crypto.randomUUID(), ciphertext: opaque(120), ...extra });
const groupOf = async (user: TestUser, conversationId: string) =>
  (await json<{ mls_group: MlsGroupView }>(await api(user, "GET", `/v1/conversations/${conversationId}/mls`), 200)).mls_group;
const history = async (user: TestUser, conversationId: string) =>
  (await json<{ messages: MessageView[] }>(await api(user, "GET", `/v1/conversations/${conversationId}/messages?after_seq=0`), 200)).messages;

async function refused(res: Response, status: number, code: string, field?: string): Promise<ErrorDetail[] | undefined> {
  const body = await res.json<{ error: { code: string; details?: ErrorDetail[] } }>();
  if (res.status !== status || body.error.code !== code) throw new Error(`expected ${status} ${code}, got ${res.status} ${JSON.stringify(body)}`);
  if (field !== undefined && !body.error.details?.some((d) => d.field === field)) throw new Error(`no detail on ${field}: ${JSON.stringify(body)}`);
  return body.error.details;
}

describe("encrypted conversations: fixed at creation", () => {
  it("shows its encryption; the default stays none; a pair has one direct conversation per encryption", async ({ expect }) => {
    const [alice, bob] = [await createUser(), await createUser()];
    const plain = await json<{ conversation: ConversationView }>(
      await api(alice, "POST", "/v1/conversations", { type: "direct", member_ids: [bob.user.id] }),
      201,
    );
    expect(plain.conversation.encryption).toBe("none");
    const sealed = await createMls(alice, [bob], "direct");
    expect([sealed.status, sealed.conversation.encryption]).toEqual([201, "mls"]);
    expect(sealed.conversation.id).not.toBe(plain.conversation.id);
    const again = await createMls(bob, [alice], "direct");
    expect([again.status, again.conversation.id]).toEqual([200, sealed.conversation.id]);
    expect(
      (await json<{ conversation: ConversationView }>(await api(bob, "GET", `/v1/conversations/${sealed.conversation.id}`), 200)).conversation.encryption,
    ).toBe("mls");
    const list = await json<{ conversations: ConversationListItemView[] }>(await api(bob, "GET", "/v1/conversations"), 200);
    expect(list.conversations.map((c) => [c.id, c.encryption]).sort()).toEqual(
      [
        [plain.conversation.id, "none"],
        [sealed.conversation.id, "mls"],
      ].sort(),
    );
    await refused(await api(alice, "POST", "/v1/conversations", { type: "group", member_ids: [bob.user.id], encryption: "pgp" }), 400, "VALIDATION_ERROR");
  });

  it("an mls room refuses body (REST, socket, edit), reactions and non-MLS content types, and stores nothing of them", async ({ expect }) => {
    const [alice, bob] = [await createUser(), await createUser()];
    const { conversation } = await createMls(alice, [bob]);
    const id = conversation.id;
    await refused(await post(alice, id, { client_id: "b1", body: "plaintext leak" }), 400, "VALIDATION_ERROR", "body");
    await refused(await post(alice, id, application({ content_type: "text/plain" })), 400, "VALIDATION_ERROR", "content_type");
    await refused(await post(alice, id, { ...commit(0), epoch: undefined }), 400, "VALIDATION_ERROR", "epoch");
    await refused(await post(alice, id, application({ group_info: opaque(64) })), 400, "VALIDATION_ERROR", "group_info");
    await refused(await post(alice, id, application({ ciphertext: "not base64url!" })), 400, "VALIDATION_ERROR", "ciphertext");

    const { socket, ready } = await connect(alice, id);
    expect(ready).toEqual({ type: "ready", last_seq: 0, epoch: 0 });
    socket.send({ type: "send", client_id: "b2", body: "plaintext leak" });
    expect(await socket.next("error")).toMatchObject({ code: "VALIDATION_ERROR", client_id: "b2" });

    const stored = await sendRest(alice, id, application());
    expect(stored.message).toMatchObject({ seq: 1, content_type: "mls/application", body: null, epoch: null });
    await refused(await api(alice, "PATCH", `/v1/conversations/${id}/messages/1`, { body: "plaintext leak" }), 400, "VALIDATION_ERROR", "body");
    await refused(await api(bob, "PUT", `/v1/conversations/${id}/messages/1/reactions/${encodeURIComponent("👍")}`), 400, "VALIDATION_ERROR", "emoji");
    const edited = await json<{ message: MessageView }>(
      await api(alice, "PATCH", `/v1/conversations/${id}/messages/1`, { ciphertext: opaque(60), epoch: 0 }),
      200,
    );
    expect(edited.message).toMatchObject({ seq: 1, body: null, epoch: 0, reactions: [] });
    expect(edited.message.edited_at).not.toBeNull();

    const messages = await history(bob, id);
    expect(messages.map((m) => m.seq)).toEqual([1]);
    expect(JSON.stringify(messages)).not.toContain("plaintext leak");
    await socket.end();
  });

  it("a plaintext room refuses MLS content types and fields (it gates nothing)", async ({ expect }) => {
    const [alice, bob] = [await createUser(), await createUser()];
    const plain = await json<{ conversation: ConversationView }>(
      await api(alice, "POST", "/v1/conversations", { type: "group", member_ids: [bob.user.id] }),
      201,
    );
    const id = plain.conversation.id;
    await refused(await post(alice, id, commit(0)), 400, "VALIDATION_ERROR", "epoch");
    await refused(await post(alice, id, { client_id: "c", ciphertext: opaque(), content_type: "mls/commit" }), 400, "VALIDATION_ERROR", "content_type");
    await refused(await api(alice, "GET", `/v1/conversations/${id}/mls`), 404, "NOT_FOUND");
    expect((await sendRest(alice, id, { client_id: "ok", body: "hello" })).message.epoch).toBeNull();
  });
});

describe("encrypted conversations: the epoch gate", () => {
  it("stores a commit only for the room's epoch, advances it, keeps its GroupInfo, and answers a stale one 409 with the epoch", async ({ expect }) => {
    const [alice, bob] = [await createUser(), await createUser()];
    const { conversation } = await createMls(alice, [bob]);
    const id = conversation.id;
    expect(await groupOf(bob, id)).toEqual({ epoch: 0, group_info: null, updated_at: null });

    const groupInfo = opaque(2000);
    const first = commit(0, "commit-1", { group_info: groupInfo });
    expect(await sendRest(alice, id, first)).toMatchObject({ status: 201, message: { seq: 1, content_type: "mls/commit", epoch: 0 } });
    expect(await groupOf(bob, id)).toMatchObject({ epoch: 1, group_info: groupInfo });
    // The same commit again (a retry): the original, not a 409.
    expect(await sendRest(alice, id, first)).toMatchObject({ status: 200, message: { seq: 1 } });

    const details = await refused(await post(bob, id, commit(0)), 409, "CONFLICT", "epoch");
    expect(epochFromConflict(details)).toBe(1);
    await refused(await post(bob, id, commit(7)), 409, "CONFLICT", "epoch");
    // Application messages are not gated, whatever epoch they name; proposals are, without advancing it.
    expect((await sendRest(bob, id, application({ epoch: 0 }))).message).toMatchObject({ seq: 2, epoch: 0 });
    await refused(await post(bob, id, { client_id: "p0", content_type: "mls/proposal", ciphertext: opaque(), epoch: 0 }), 409, "CONFLICT", "epoch");
    expect((await sendRest(bob, id, { client_id: "p1", content_type: "mls/proposal", ciphertext: opaque(), epoch: 1 })).message.seq).toBe(3);
    // A commit without a GroupInfo clears the kept one (it would be of an older epoch).
    expect((await sendRest(bob, id, commit(1))).message.seq).toBe(4);
    expect(await groupOf(alice, id)).toEqual({ epoch: 2, group_info: null, updated_at: null });
    await refused(await api(bob, "PATCH", `/v1/conversations/${id}/messages/4`, { ciphertext: opaque() }), 409, "CONFLICT");

    expect((await history(alice, id)).map((m) => [m.seq, m.content_type])).toEqual([
      [1, "mls/commit"],
      [2, "mls/application"],
      [3, "mls/proposal"],
      [4, "mls/commit"],
    ]);
    const { ready, socket } = await connect(bob, id);
    expect(ready).toEqual({ type: "ready", last_seq: 4, epoch: 2 });
    await socket.end();
    const stranger = await createUser();
    await refused(await api(stranger, "GET", `/v1/conversations/${id}/mls`), 404, "NOT_FOUND");
  });

  it("two devices racing a commit for the same epoch: exactly one is stored, the other gets the epoch (socket and REST)", async ({ expect }) => {
    const [alice, bob, carol] = [await createUser(), await createUser(), await createUser()];
    const { conversation } = await createMls(alice, [bob, carol]);
    const id = conversation.id;
    const a = await connect(alice, id);
    const b = await connect(bob, id);
    a.socket.send({ type: "send", ...commit(0, "race-a") });
    b.socket.send({ type: "send", ...commit(0, "race-b") });
    const outcomes = await Promise.all(
      [a, b].map(({ socket }, i) =>
        Promise.race([
          socket.next("ack").then((f) => ({ won: true, seq: f.seq })),
          socket.next("error").then((f) => ({ won: false, code: f.code, epoch: f.epoch, i })),
        ]),
      ),
    );
    expect(outcomes.filter((o) => o.won)).toEqual([{ won: true, seq: 1 }]);
    expect(outcomes.filter((o) => !o.won)).toMatchObject([{ won: false, code: "CONFLICT", epoch: 1 }]);

    const rest = await Promise.all([post(alice, id, commit(1)), post(bob, id, commit(1)), post(carol, id, commit(1))]);
    expect(rest.map((r) => r.status).sort()).toEqual([201, 409, 409]);
    expect(await groupOf(carol, id)).toMatchObject({ epoch: 2 });
    expect((await history(carol, id)).map((m) => m.seq)).toEqual([1, 2]);
    await a.socket.end();
    await b.socket.end();
  });

  it("gives handshake messages their own size limit", async ({ expect }) => {
    const [alice, bob] = [await createUser(), await createUser()];
    const { conversation } = await createMls(alice, [bob]);
    const id = conversation.id;
    // A commit adding 100 devices carries 100 KeyPackages (≈44 KB) plus its path: far past a chat message.
    const big = "A".repeat(200 * 1024);
    expect((await sendRest(alice, id, { ...commit(0), ciphertext: big })).message.seq).toBe(1);
    await refused(await post(alice, id, { ...commit(1), ciphertext: "A".repeat(MLS_LIMITS.maxHandshakeBytes + 4) }), 413, "PAYLOAD_TOO_LARGE");
    await refused(await post(alice, id, application({ ciphertext: "A".repeat(70 * 1024) })), 413, "PAYLOAD_TOO_LARGE");
    const { socket } = await connect(alice, id);
    socket.send({ type: "send", ...commit(1, "big-socket"), ciphertext: big });
    expect(await socket.next("ack")).toMatchObject({ client_id: "big-socket", seq: 2 });
    await socket.end();
  });
});

describe("encrypted conversations: joining and what leaves the server", () => {
  it("delivers a Welcome to the new member's device through its mailbox, after the adder claimed its KeyPackage", async ({ expect }) => {
    const [alice, bob] = [await createUser(), await createUser()];
    const { conversation } = await createMls(alice, [bob]);
    const bobsPackage = opaque();
    expect((await api(bob, "POST", "/v1/devices/me/key-packages", { key_packages: [bobsPackage] })).status).toBe(200);
    const claimed = await json<{ key_packages: ClaimedKeyPackage[] }>(await api(alice, "POST", "/v1/mls/key-packages/claim", { user_ids: [bob.user.id] }), 200);
    expect(claimed.key_packages).toEqual([{ user_id: bob.user.id, device_id: deviceOf(bob), key_package: bobsPackage, last_resort: false }]);

    expect((await sendRest(alice, conversation.id, commit(0))).status).toBe(201);
    const welcome = opaque(3000);
    expect((await api(alice, "POST", `/v1/devices/${deviceOf(bob)}/mailbox`, { payload: welcome })).status).toBe(201);
    const stream = await accepted(await upgradeEvents({ ticket: await ticketFor(bob) }));
    const { entries } = await stream.socket.next("mailbox");
    expect(entries).toEqual([
      { id: expect.any(String), from_user_id: alice.user.id, from_device_id: deviceOf(alice), payload: welcome, created_at: expect.any(String) },
    ] satisfies MailboxEntry[]);
    await stream.socket.end();
  });

  it("pushes ids only for application messages and nothing for commits", async ({ expect }) => {
    const [alice, bob] = [await createUser(), await createUser()];
    const registered = await api(bob, "POST", "/v1/users/me/devices", { platform: "android", push_token: `token-${bob.user.id}` });
    expect(registered.status).toBe(201);
    const { conversation } = await createMls(alice, [bob]);
    const handshake = commit(0);
    expect((await sendRest(alice, conversation.id, handshake)).message.seq).toBe(1);
    const secret = opaque(200);
    expect((await sendRest(alice, conversation.id, application({ ciphertext: secret }))).message.seq).toBe(2);

    let outbox: OutboxList["messages"] = [];
    for (let i = 0; i < 200 && !outbox.some((m) => m.data.seq === "2"); i++) {
      await scheduler.wait(20);
      outbox = (await json<OutboxList>(await api(null, "GET", `/dev/push-outbox?user_id=${bob.user.id}`), 200)).messages;
    }
    expect(outbox.map((m) => m.data)).toEqual([{ kind: "message", conversation_id: conversation.id, seq: "2" }]);
    expect(JSON.stringify(outbox)).not.toContain(secret.slice(0, 40));
    expect(JSON.stringify(outbox)).not.toContain(handshake.ciphertext.slice(0, 40));
  });

  it("still records a missed call: the room writes it itself, from call metadata it holds anyway", async ({ expect }) => {
    const [alice, bob] = [await createUser(), await createUser()];
    const { conversation } = await createMls(alice, [bob], "direct");
    const started = await json<{ call: { id: string } }>(
      await api(alice, "POST", "/v1/calls/initiate", { conversation_id: conversation.id, type: "audio", ring_timeout_seconds: 5 }),
      201,
    );
    expect(await runDurableObjectAlarm(env.CALL_ROOM.get(env.CALL_ROOM.idFromName(started.call.id)))).toBe(true);
    let messages: MessageView[] = [];
    for (let i = 0; i < 200 && messages.length === 0; i++) {
      await scheduler.wait(20);
      messages = await history(bob, conversation.id);
    }
    expect(messages).toMatchObject([{ seq: 1, sender_id: alice.user.id, content_type: "call/missed", ciphertext: null }]);
    expect(JSON.parse(messages[0]?.body ?? "{}")).toEqual({ call_id: started.call.id, call_type: "audio", missed_by: [bob.user.id] });
  });
});
