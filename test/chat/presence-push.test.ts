import { describe, it } from "vitest";
import type { PresenceView } from "../../lib/contracts/chat";
import { createUser, type TestUser } from "../helpers/auth";
import { api, connect, createGroup, json, outbox, registerDevice, until } from "./chat-client";

async function presence(viewer: TestUser, ids: string[]): Promise<PresenceView[]> {
  return (await json<{ presence: PresenceView[] }>(await api(viewer, "GET", `/v1/presence?user_ids=${ids.join(",")}`), 200)).presence;
}

describe("presence", () => {
  it("online while a socket is open anywhere, offline with last_seen_at after the last closes; frames reach the user's rooms", async ({ expect }) => {
    const [alice, bob, carol] = await Promise.all([createUser(), createUser(), createUser()]);
    const one = await createGroup(alice, [bob]);
    const two = await createGroup(alice, [carol]);
    expect(await presence(bob, [alice.user.id])).toEqual([{ user_id: alice.user.id, status: "offline", last_seen_at: null }]);

    const watcher = await connect(bob, one.id);
    const a1 = await connect(alice, one.id);
    const a2 = await connect(alice, two.id);
    expect(await watcher.socket.next("presence")).toEqual({ type: "presence", user_id: alice.user.id, status: "online" });
    const [online, unknown] = await presence(bob, [alice.user.id, "01900000-0000-7000-8000-0000000000aa"]);
    expect(online).toMatchObject({ user_id: alice.user.id, status: "online" });
    expect(unknown).toEqual({ user_id: "01900000-0000-7000-8000-0000000000aa", status: "offline", last_seen_at: null });

    // Closing one of two sockets changes nothing.
    await a1.socket.end();
    await a1.socket.closed();
    a2.socket.send({ type: "send", client_id: "still-here", body: "hi" });
    await a2.socket.next("ack");
    expect((await presence(bob, [alice.user.id]))[0]?.status).toBe("online");

    await a2.socket.end();
    await a2.socket.closed();
    const offline = await until(
      () => presence(bob, [alice.user.id]),
      (p) => p[0]?.status === "offline",
    );
    expect(offline[0]?.status).toBe("offline");
    expect(Date.parse(offline[0]?.last_seen_at ?? "")).toBeGreaterThan(0);
    expect(await watcher.socket.next("presence", (f) => f.status === "offline")).toEqual({ type: "presence", user_id: alice.user.id, status: "offline" });
    await watcher.socket.end();
  });

  it("refuses empty, oversized and malformed id lists", async ({ expect }) => {
    const alice = await createUser();
    expect((await api(alice, "GET", "/v1/presence")).status).toBe(400);
    expect((await api(alice, "GET", "/v1/presence?user_ids=")).status).toBe(400);
    const many = Array.from({ length: 101 }, (_, i) => `user${i}`).join(",");
    expect((await api(alice, "GET", `/v1/presence?user_ids=${many}`)).status).toBe(400);
    expect((await api(alice, "GET", "/v1/presence?user_ids=a%20b")).status).toBe(400);
    expect((await api(null, "GET", "/v1/presence?user_ids=a")).status).toBe(401);
  });
});

describe("push for offline members", () => {
  it("queues a wake-up (ids only) for members without an open socket, not for those connected", async ({ expect }) => {
    const [alice, bob, carol] = await Promise.all([createUser(), createUser(), createUser()]);
    await Promise.all([registerDevice(bob), registerDevice(carol), registerDevice(alice)]);
    const group = await createGroup(alice, [bob, carol]);
    const a = await connect(alice, group.id);
    const c = await connect(carol, group.id);

    a.socket.send({ type: "send", client_id: "p1", body: "secret plaintext words" });
    await a.socket.next("ack");
    const toBob = await until(
      () => outbox(bob),
      (m) => m.some((x) => x.data.seq === "1"),
    );
    const wake = toBob.find((x) => x.data.seq === "1");
    expect(wake?.data).toMatchObject({ kind: "message", conversation_id: group.id, seq: "1" });
    expect(JSON.stringify(toBob)).not.toContain("secret plaintext");

    // Wake-ups collapse per conversation and device (issue 18): the ciphertext check uses another conversation.
    const sealed = await createGroup(alice, [bob]);
    const s = await connect(alice, sealed.id);
    s.socket.send({ type: "send", client_id: "p2", ciphertext: "U2VhbGVkQm94", content_type: "application/x-e2ee" });
    await s.socket.next("ack");
    const later = await until(
      () => outbox(bob),
      (m) => m.some((x) => x.data.conversation_id === sealed.id),
    );
    expect(JSON.stringify(later)).not.toContain("U2VhbGVkQm94");
    // Bob's pushes for both messages were delivered; carol (connected) and alice (sender) got none.
    expect(await outbox(carol)).toEqual([]);
    expect(await outbox(alice)).toEqual([]);
    await a.socket.end();
    await c.socket.end();
    await s.socket.end();
  });
});
