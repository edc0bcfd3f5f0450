import { IDBFactory } from "fake-indexeddb";
import { beforeEach, describe, it } from "vitest";
import { ChatConnection, indexedDbStores, MemoryOutboxStore, Outbox, type OutboxStore, type PersistedSend } from "../src/index";
import { fastTiming, FakeSocket } from "./helpers/fake-socket";
import { until } from "./helpers/wait";

/** The persisted outbox and its stores, without a network (the real reload case runs in outbox-persisted.test.ts). */

const send = (clientId: string, queuedAt: number, over: Partial<PersistedSend> = {}): PersistedSend => ({
  user_id: "u-1",
  conversation_id: "c-1",
  frame: { type: "send", client_id: clientId, body: clientId },
  queued_at: queuedAt,
  ...over,
});

/** One store contract, two stores: memory (Node, the default) and IndexedDB (browsers; fake-indexeddb here). */
const stores: Array<[string, () => OutboxStore]> = [
  ["memory", () => new MemoryOutboxStore()],
  ["IndexedDB", () => indexedDbStores({ indexedDB: new IDBFactory() }).outbox],
];

describe.each(stores)("OutboxStore (%s)", (_name, make) => {
  it("saves, replaces and deletes by client_id; unknown deletes are no error", async ({ expect }) => {
    const store = make();
    await store.save(send("a", 1));
    await store.save(send("b", 2));
    await store.save({ ...send("a", 1), frame: { type: "send", client_id: "a", body: "edited" } });
    await store.delete("zz");
    await store.delete("b");
    expect(await store.load()).toEqual([{ ...send("a", 1), frame: { type: "send", client_id: "a", body: "edited" } }]);
  });
});

describe("IndexedDB stores", () => {
  it("keep the outbox and the stream position across a reopen of the same database (a reload)", async ({ expect }) => {
    const indexedDB = new IDBFactory();
    const before = indexedDbStores({ indexedDB });
    await before.outbox.save(send("a", 1));
    expect(await before.position.load()).toBeNull();
    await before.position.save({ device_id: "d-1", position: 41 });
    await before.position.save({ device_id: "d-1", position: 42 });
    const after = indexedDbStores({ indexedDB });
    expect(await after.outbox.load()).toEqual([send("a", 1)]);
    expect(await after.position.load()).toEqual({ device_id: "d-1", position: 42 });
  });

  it("fail clearly where there is no IndexedDB (Node without a factory)", async ({ expect }) => {
    await expect(indexedDbStores().outbox.load()).rejects.toThrow(/IndexedDB is not available/);
  });
});

describe("persisted outbox", () => {
  beforeEach(() => {
    FakeSocket.opened.length = 0;
  });

  it("persists until acknowledged or refused; a closed connection's sends stay for the next one", async ({ expect }) => {
    const store = new MemoryOutboxStore();
    const outbox = new Outbox({ store, userId: "u-1", conversationId: "c-1" });
    const a = outbox.add({ type: "send", client_id: "a", body: "1" });
    const b = outbox.add({ type: "send", client_id: "b", body: "2" });
    const c = outbox.add({ type: "send", client_id: "c", body: "3" });
    outbox.delivered("a", 1);
    outbox.reject("b", new Error("refused"));
    outbox.rejectAll(new Error("closed"));
    await expect(a).resolves.toEqual({ client_id: "a", seq: 1 });
    await expect(b).rejects.toThrow("refused");
    await expect(c).rejects.toThrow("closed");
    await until(async () => (await store.load()).length === 1, "only c is left");
    expect((await store.load()).map((s) => s.frame.client_id)).toEqual(["c"]);
  });

  it("restores only this user's sends of this conversation, oldest first, ahead of new ones", async ({ expect }) => {
    const store = new MemoryOutboxStore();
    await store.save(send("later", 20));
    await store.save(send("earlier", 10));
    await store.save(send("other-room", 5, { conversation_id: "c-2" }));
    await store.save(send("other-user", 5, { user_id: "u-2" }));
    const outbox = new Outbox({ store, userId: "u-1", conversationId: "c-1" });
    void outbox.add({ type: "send", client_id: "new", body: "new" });
    expect((await outbox.restore()).map((f) => f.client_id)).toEqual(["earlier", "later"]);
    expect(outbox.pending().map((f) => f.client_id)).toEqual(["earlier", "later", "new"]);
    expect(await outbox.restore()).toEqual([]); // nothing twice
  });

  it("a ChatConnection with a store sends what an earlier run left, with the same client_id, once the room is ready", async ({ expect }) => {
    const store = new MemoryOutboxStore();
    await store.save(send("left-behind", 1));
    const conn = new ChatConnection({
      conversationId: "c-1",
      selfId: () => "u-1",
      socketUrl: () => Promise.resolve("ws://fake/v1/ws/chat"),
      WebSocket: FakeSocket,
      isFatal: () => false,
      outboxStore: store,
      ...fastTiming,
    });
    const socket = await FakeSocket.next(1);
    await until(() => conn.pending.length === 1, "restored");
    socket.onmessage?.({ data: JSON.stringify({ type: "ready", last_seq: 0 }) });
    expect(socket.frames()).toEqual([{ type: "send", client_id: "left-behind", body: "left-behind" }]);
    socket.onmessage?.({ data: JSON.stringify({ type: "ack", client_id: "left-behind", seq: 1 }) });
    await until(async () => (await store.load()).length === 0, "forgotten once acknowledged");
    expect(conn.pending).toEqual([]);
    conn.close();
  });
});
