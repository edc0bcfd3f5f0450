import { describe, it } from "vitest";
import type { ConversationListItemView, ConversationView } from "../../lib/contracts/chat";
import { createUser } from "../helpers/auth";
import { api, createGroup, json, sendRest } from "./chat-client";

type Envelope = { error: { code: string; details?: { field?: string }[] } };

describe("conversations", () => {
  it("a direct conversation is created once per pair; repeats (either side) return it with 200", async ({ expect }) => {
    const [alice, bob] = await Promise.all([createUser(), createUser()]);
    const first = await api(alice, "POST", "/v1/conversations", { type: "direct", member_ids: [bob.user.id] });
    const created = (await json<{ conversation: ConversationView }>(first, 201)).conversation;
    expect(created.type).toBe("direct");
    expect(created.members.map((m) => m.user_id).sort()).toEqual([alice.user.id, bob.user.id].sort());

    const again = await api(alice, "POST", "/v1/conversations", { type: "direct", member_ids: [bob.user.id] });
    expect((await json<{ conversation: ConversationView }>(again, 200)).conversation.id).toBe(created.id);
    const reverse = await api(bob, "POST", "/v1/conversations", { type: "direct", member_ids: [alice.user.id] });
    expect((await json<{ conversation: ConversationView }>(reverse, 200)).conversation.id).toBe(created.id);
  });

  it("racing direct creates converge on one conversation", async ({ expect }) => {
    const [alice, bob] = await Promise.all([createUser(), createUser()]);
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        api(i % 2 ? alice : bob, "POST", "/v1/conversations", { type: "direct", member_ids: [(i % 2 ? bob : alice).user.id] }),
      ),
    );
    const bodies = await Promise.all(answers.map((r) => r.json<{ conversation: ConversationView }>()));
    expect(new Set(bodies.map((b) => b.conversation.id)).size).toBe(1);
    expect(answers.filter((r) => r.status === 201)).toHaveLength(1);
  });

  it("refuses unknown member ids, yourself as the direct peer, and malformed bodies", async ({ expect }) => {
    const alice = await createUser();
    const ghost = await api(alice, "POST", "/v1/conversations", { type: "group", name: "g", member_ids: ["01900000-0000-7000-8000-000000000000"] });
    expect(ghost.status).toBe(400);
    expect((await ghost.json<Envelope>()).error.code).toBe("VALIDATION_ERROR");
    const self = await api(alice, "POST", "/v1/conversations", { type: "direct", member_ids: [alice.user.id] });
    expect(self.status).toBe(400);
    const two = await api(alice, "POST", "/v1/conversations", { type: "direct", member_ids: ["a", "b"] });
    expect(two.status).toBe(400);
    const wrongType = await api(alice, "POST", "/v1/conversations", { type: "channel", member_ids: [] });
    expect(wrongType.status).toBe(400);
    const notJson = await api(alice, "POST", "/v1/conversations", "{not json");
    expect(notJson.status).toBe(400);
    expect((await notJson.json<Envelope>()).error.code).toBe("BAD_REQUEST");
    const anonymous = await api(null, "POST", "/v1/conversations", { type: "group", member_ids: [] });
    expect(anonymous.status).toBe(401);
  });

  it("a non-member gets 404 for the conversation, its messages, members and read receipts", async ({ expect }) => {
    const [alice, bob, eve] = await Promise.all([createUser(), createUser(), createUser()]);
    const group = await createGroup(alice, [bob]);
    await sendRest(alice, group.id, { client_id: "c1", body: "hello" });
    const paths: [string, string, unknown?][] = [
      ["GET", `/v1/conversations/${group.id}`],
      ["GET", `/v1/conversations/${group.id}/messages`],
      ["GET", `/v1/messages?conversation_id=${group.id}`],
      ["POST", `/v1/conversations/${group.id}/messages`, { client_id: "x", body: "hi" }],
      ["POST", "/v1/messages", { conversation_id: group.id, client_id: "x", body: "hi" }],
      ["PATCH", `/v1/conversations/${group.id}/messages/1`, { body: "edit" }],
      ["DELETE", `/v1/conversations/${group.id}/messages/1`],
      ["PUT", `/v1/conversations/${group.id}/messages/1/reactions/${encodeURIComponent("👍")}`],
      ["POST", `/v1/conversations/${group.id}/read`, { seq: 1 }],
      ["POST", `/v1/conversations/${group.id}/members`, { user_ids: [eve.user.id] }],
      ["DELETE", `/v1/conversations/${group.id}/members/${bob.user.id}`],
    ];
    for (const [method, path, body] of paths) {
      const res = await api(eve, method, path, body);
      expect({ method, path, status: res.status }).toEqual({ method, path, status: 404 });
      expect((await res.json<Envelope>()).error.code).toBe("NOT_FOUND");
    }
    const missing = await api(alice, "GET", "/v1/conversations/01900000-0000-7000-8000-00000000beef");
    expect(missing.status).toBe(404);
  });

  it("group roles: owner/admin add and remove, members cannot; leaving hands ownership on", async ({ expect }) => {
    const [owner, admin, member, extra] = await Promise.all([createUser(), createUser(), createUser(), createUser()]);
    const group = await createGroup(owner, [admin, member]);
    expect(group.members.find((m) => m.user_id === owner.user.id)?.role).toBe("owner");

    const denied = await api(member, "POST", `/v1/conversations/${group.id}/members`, { user_ids: [extra.user.id] });
    expect(denied.status).toBe(403);
    const promote = await api(owner, "PATCH", `/v1/conversations/${group.id}/members/${admin.user.id}`, { role: "admin" });
    expect((await json<{ conversation: ConversationView }>(promote, 200)).conversation.members.find((m) => m.user_id === admin.user.id)?.role).toBe("admin");

    const added = await api(admin, "POST", `/v1/conversations/${group.id}/members`, { user_ids: [extra.user.id] });
    expect((await json<{ conversation: ConversationView }>(added, 200)).conversation.members).toHaveLength(4);
    expect((await api(extra, "GET", `/v1/conversations/${group.id}`)).status).toBe(200);

    expect((await api(member, "DELETE", `/v1/conversations/${group.id}/members/${extra.user.id}`)).status).toBe(403);
    expect((await api(admin, "DELETE", `/v1/conversations/${group.id}/members/${owner.user.id}`)).status).toBe(403);
    expect((await api(admin, "DELETE", `/v1/conversations/${group.id}/members/${extra.user.id}`)).status).toBe(204);
    expect((await api(extra, "GET", `/v1/conversations/${group.id}`)).status).toBe(404);

    expect((await api(member, "DELETE", `/v1/conversations/${group.id}/members/${member.user.id}`)).status).toBe(204);
    expect((await api(member, "GET", `/v1/conversations/${group.id}`)).status).toBe(404);

    expect((await api(owner, "DELETE", `/v1/conversations/${group.id}/members/${owner.user.id}`)).status).toBe(204);
    const after = await json<{ conversation: ConversationView }>(await api(admin, "GET", `/v1/conversations/${group.id}`), 200);
    expect(after.conversation.members).toEqual([{ user_id: admin.user.id, role: "owner" }]);
  });

  it("pages the list with limit and an opaque cursor; a forged cursor is refused", async ({ expect }) => {
    const [alice, bob] = await Promise.all([createUser(), createUser()]);
    const made: string[] = [];
    for (let i = 0; i < 3; i++) made.push((await createGroup(alice, [bob], `g${i}`)).id);
    type ListPage = { conversations: ConversationListItemView[]; has_more: boolean; next_cursor: string | null };
    const first = await json<ListPage>(await api(bob, "GET", "/v1/conversations?limit=2"), 200);
    expect(first.conversations).toHaveLength(2);
    expect(first.has_more).toBe(true);
    const second = await json<ListPage>(await api(bob, "GET", `/v1/conversations?limit=2&cursor=${encodeURIComponent(first.next_cursor ?? "")}`), 200);
    expect(second).toMatchObject({ has_more: false, next_cursor: null });
    expect([...first.conversations, ...second.conversations].map((c) => c.id).sort()).toEqual([...made].sort());
    expect((await api(bob, "GET", "/v1/conversations?cursor=garbage")).status).toBe(400);
    expect((await api(bob, "GET", "/v1/conversations?limit=1000")).status).toBe(400);
  });

  it("direct conversations have no member management", async ({ expect }) => {
    const [alice, bob, carol] = await Promise.all([createUser(), createUser(), createUser()]);
    const res = await api(alice, "POST", "/v1/conversations", { type: "direct", member_ids: [bob.user.id] });
    const direct = (await json<{ conversation: ConversationView }>(res, 201)).conversation;
    expect((await api(alice, "POST", `/v1/conversations/${direct.id}/members`, { user_ids: [carol.user.id] })).status).toBe(403);
    expect((await api(alice, "DELETE", `/v1/conversations/${direct.id}/members/${bob.user.id}`)).status).toBe(403);
  });

  it("the list is newest activity first with last_message and unread_count (converging asynchronously)", async ({ expect }) => {
    const [alice, bob] = await Promise.all([createUser(), createUser()]);
    const older = await createGroup(alice, [bob], "older");
    const newer = await createGroup(alice, [bob], "newer");
    await sendRest(alice, older.id, { client_id: "o1", body: "one" });
    await sendRest(alice, older.id, { client_id: "o2", body: "two" });
    await sendRest(alice, older.id, { client_id: "o3", body: "three" });

    // The room copies the summary off the send path; poll until it has converged.
    let list: ConversationListItemView[] = [];
    for (let i = 0; i < 500; i++) {
      list = (await json<{ conversations: ConversationListItemView[] }>(await api(bob, "GET", "/v1/conversations"), 200)).conversations;
      const first = list[0];
      if (first?.id === older.id && first.last_message?.seq === 3) break;
      await scheduler.wait(20);
    }
    const first = list[0];
    expect(first?.id).toBe(older.id);
    expect(first?.last_message).toMatchObject({ seq: 3, body: "three", sender_id: alice.user.id });
    expect(first?.unread_count).toBe(3);
    expect(list.some((c) => c.id === newer.id && c.unread_count === 0 && c.last_message === null)).toBe(true);

    expect((await api(bob, "POST", `/v1/conversations/${older.id}/read`, { seq: 2 })).status).toBe(200);
    let unread = -1;
    for (let i = 0; i < 500 && unread !== 1; i++) {
      const items = (await json<{ conversations: ConversationListItemView[] }>(await api(bob, "GET", "/v1/conversations"), 200)).conversations;
      unread = items.find((c) => c.id === older.id)?.unread_count ?? -1;
      if (unread !== 1) await scheduler.wait(20);
    }
    expect(unread).toBe(1);
    // The sender has read their own messages.
    let mine = -1;
    for (let i = 0; i < 500 && mine !== 0; i++) {
      const items = (await json<{ conversations: ConversationListItemView[] }>(await api(alice, "GET", "/v1/conversations"), 200)).conversations;
      mine = items.find((c) => c.id === older.id)?.unread_count ?? -1;
      if (mine !== 0) await scheduler.wait(20);
    }
    expect(mine).toBe(0);
  });
});
