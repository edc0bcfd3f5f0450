import { describe, it } from "vitest";
import type { ConversationView } from "../../lib/contracts/chat";
import { createUser } from "../helpers/auth";
import { api, createGroup, json } from "./chat-client";

type Envelope = { conversation: ConversationView };
const rename = (user: Parameters<typeof api>[0], id: string, body: unknown) => api(user, "PATCH", `/v1/conversations/${id}`, body);
const codeOf = async (res: Response) => (await res.json<{ error: { code: string } }>()).error.code;

describe("renaming a group", () => {
  it("the owner and admins rename a group; every member then reads the new name, trimmed", async ({ expect }) => {
    const [alice, bob, carol] = await Promise.all([createUser(), createUser(), createUser()]);
    const group = await createGroup(alice, [bob, carol], "Weekend");
    const renamed = await json<Envelope>(await rename(alice, group.id, { name: "  Weekend trip  " }), 200);
    expect(renamed.conversation).toMatchObject({ id: group.id, name: "Weekend trip", type: "group" });
    expect((await json<Envelope>(await api(carol, "GET", `/v1/conversations/${group.id}`), 200)).conversation.name).toBe("Weekend trip");
    const list = await json<{ conversations: ConversationView[] }>(await api(bob, "GET", "/v1/conversations"), 200);
    expect(list.conversations.find((c) => c.id === group.id)?.name).toBe("Weekend trip");

    // A plain member may not; once made admin, may.
    const refused = await rename(bob, group.id, { name: "Bob's trip" });
    expect(refused.status).toBe(403);
    expect(await codeOf(refused)).toBe("FORBIDDEN");
    await json(await api(alice, "PATCH", `/v1/conversations/${group.id}/members/${bob.user.id}`, { role: "admin" }), 200);
    expect((await json<Envelope>(await rename(bob, group.id, { name: "Bob's trip" }), 200)).conversation.name).toBe("Bob's trip");
  });

  it("refuses outsiders (404), direct conversations (403) and bad names (400) without changing anything", async ({ expect }) => {
    const [alice, bob, eve] = await Promise.all([createUser(), createUser(), createUser()]);
    const group = await createGroup(alice, [bob], "Kept");
    const outsider = await rename(eve, group.id, { name: "Mine now" });
    expect(outsider.status).toBe(404);
    expect(await codeOf(outsider)).toBe("NOT_FOUND");

    const direct = await json<Envelope>(await api(alice, "POST", "/v1/conversations", { type: "direct", member_ids: [bob.user.id] }), 201);
    expect((await rename(alice, direct.conversation.id, { name: "Us" })).status).toBe(403);

    for (const body of [{ name: "" }, { name: "   " }, { name: "x".repeat(101) }, { name: 42 }, {}, "not json"]) {
      const res = await rename(alice, group.id, body);
      expect(res.status).toBe(400);
      expect(["VALIDATION_ERROR", "BAD_REQUEST"]).toContain(await codeOf(res));
    }
    expect((await json<Envelope>(await api(alice, "GET", `/v1/conversations/${group.id}`), 200)).conversation.name).toBe("Kept");
    expect((await json<Envelope>(await api(alice, "GET", `/v1/conversations/${direct.conversation.id}`), 200)).conversation.name).toBeNull();
  });

  it("an admin of another group cannot rename this one: 404 as an outsider, 403 as a plain member here", async ({ expect }) => {
    const [alice, bob, mallory] = await Promise.all([createUser(), createUser(), createUser()]);
    const target = await createGroup(alice, [bob], "Theirs");
    // Mallory owns one group and is an admin of another that alice runs.
    const own = await createGroup(mallory, [alice], "Mallory's");
    const shared = await createGroup(alice, [mallory], "Shared");
    await json(await api(alice, "PATCH", `/v1/conversations/${shared.id}/members/${mallory.user.id}`, { role: "admin" }), 200);
    for (const res of [await rename(mallory, target.id, { name: "Taken over" }), await rename(mallory, target.id, { name: own.name ?? "x" })]) {
      expect(res.status).toBe(404);
      expect(await codeOf(res)).toBe("NOT_FOUND");
    }
    // Added to the target as a plain member, her admin role elsewhere still gives her nothing here.
    await json(await api(alice, "POST", `/v1/conversations/${target.id}/members`, { user_ids: [mallory.user.id] }), 200);
    const refused = await rename(mallory, target.id, { name: "Taken over" });
    expect(refused.status).toBe(403);
    expect(await codeOf(refused)).toBe("FORBIDDEN");
    expect((await json<Envelope>(await api(bob, "GET", `/v1/conversations/${target.id}`), 200)).conversation.name).toBe("Theirs");
    expect((await json<Envelope>(await rename(mallory, shared.id, { name: "Shared, renamed" }), 200)).conversation.name).toBe("Shared, renamed");
  });
});
