import { beforeEach, describe, it } from "vitest";
import { DeviceStream, IncomingCalls, MemoryPositionStore, type DeviceEvent, type MailboxEntry, type StreamEntry } from "../src/index";
import { fastTiming, FakeSocket } from "./helpers/fake-socket";
import { until } from "./helpers/wait";

/** The device stream's client logic against the contract, with a socket the test plays the server of. */

function stream(options: { store?: MemoryPositionStore; deviceId?: string } = {}) {
  const store = options.store ?? new MemoryPositionStore();
  const s = new DeviceStream({
    socketUrl: (query) => Promise.resolve(`ws://fake/v1/ws/events?${new URLSearchParams(query).toString()}`),
    WebSocket: FakeSocket,
    isFatal: () => false,
    positionStore: store,
    deviceId: () => options.deviceId,
    ...fastTiming,
  });
  return { s, store };
}

const conversation = (id: string, lastSeq: number): DeviceEvent => ({
  kind: "conversation",
  conversation_id: id,
  change: "message",
  last_seq: lastSeq,
  last_message: null,
  last_read_seq: 0,
});
const entry = (pos: number, event: DeviceEvent, at = new Date().toISOString()): StreamEntry => ({ pos, at, event });
const mail = (id: string): MailboxEntry => ({ id, from_user_id: "u-2", from_device_id: "d-2", payload: "cGF5bG9hZA", created_at: "2026-01-01T00:00:00.000Z" });
const since = (socket: FakeSocket) => new URL(socket.url).searchParams.get("since");

beforeEach(() => {
  FakeSocket.opened.length = 0;
});

describe("DeviceStream (client logic, contract frames)", () => {
  it("a first connection starts from the hello's position without a reset; each entry is handed over once, by kind", async ({ expect }) => {
    const { s, store } = stream();
    const kinds: string[] = [];
    const resets: number[] = [];
    s.on("conversation", (e) => kinds.push(`conversation:${e.event.conversation_id}`));
    s.on("read", (e) => kinds.push(`read:${e.event.seq}`));
    s.on("reset", (r) => resets.push(r.position));
    const socket = await FakeSocket.next(1);
    expect(since(socket)).toBeNull();
    socket.deliver({ type: "hello", device_id: "d-1", position: 7 });
    expect(s.live).toBe(true);
    expect(s.position).toBe(7);
    socket.deliver({ type: "events", entries: [entry(8, conversation("c-1", 3)), entry(9, { kind: "read", conversation_id: "c-1", seq: 3 })] });
    socket.deliver({ type: "events", entries: [entry(9, { kind: "read", conversation_id: "c-1", seq: 3 })] }); // a repeat
    expect(kinds).toEqual(["conversation:c-1", "read:3"]);
    expect(resets).toEqual([]);
    await until(async () => (await store.load())?.position === 9, "position saved");
    expect(await store.load()).toEqual({ device_id: "d-1", position: 9 });
    s.close();
  });

  it("resumes with since= after a drop, goes live once the replay reaches the hello's position, and skips what it had", async ({ expect }) => {
    const { s } = stream();
    const seen: number[] = [];
    s.on("entry", (e) => seen.push(e.pos));
    const first = await FakeSocket.next(1);
    first.deliver({ type: "hello", device_id: "d-1", position: 0 });
    first.deliver({ type: "events", entries: [entry(1, conversation("c-1", 1)), entry(2, conversation("c-2", 1))] });
    first.drop();
    const second = await FakeSocket.next(2);
    expect(since(second)).toBe("2");
    second.deliver({ type: "hello", device_id: "d-1", position: 4 });
    expect(s.live).toBe(false);
    const live = s.whenLive();
    second.deliver({ type: "events", entries: [entry(2, conversation("c-2", 1)), entry(4, conversation("c-1", 5))] });
    await live;
    expect(seen).toEqual([1, 2, 4]);
    s.close();
  });

  it("a reset (position too old) is announced and the stream goes on from its position; so is a stored position of another device", async ({ expect }) => {
    const store = new MemoryPositionStore();
    await store.save({ device_id: "d-old", position: 50 });
    const { s } = stream({ store });
    const resets: number[] = [];
    s.on("reset", (r) => resets.push(r.position));
    const first = await FakeSocket.next(1);
    expect(since(first)).toBe("50"); // the tokens do not name a device: try it, hello tells
    first.deliver({ type: "hello", device_id: "d-new", position: 3 });
    expect(resets).toEqual([3]);
    first.deliver({ type: "reset", position: 3 });
    expect(s.position).toBe(3);
    s.close();

    // The tokens name the device: a stored position of another device is not even sent.
    const other = new MemoryPositionStore();
    await other.save({ device_id: "d-1", position: 9 });
    const { s: known } = stream({ store: other, deviceId: "d-2" });
    expect(since(await FakeSocket.next(2))).toBeNull();
    known.close();
  });

  it("mailbox entries are handed over once per stream, acks go in frames of at most 100 ids, and acked ones redelivered are acked again", async ({
    expect,
  }) => {
    const { s } = stream();
    const batches: string[][] = [];
    s.on("mailbox", (entries) => batches.push(entries.map((e) => e.id)));
    const first = await FakeSocket.next(1);
    first.deliver({ type: "hello", device_id: "d-1", position: 0 });
    const many = Array.from({ length: 150 }, (_, i) => mail(`m${i}`));
    first.deliver({ type: "mailbox", entries: many });
    first.deliver({ type: "mailbox", entries: [mail("m0"), mail("new")] });
    expect(batches.map((b) => b.length)).toEqual([150, 1]);
    s.ack(many.map((m) => m.id));
    const acks = first.frames() as Array<{ type: string; ids: string[] }>;
    expect(acks.map((f) => [f.type, f.ids.length])).toEqual([
      ["mailbox_ack", 100],
      ["mailbox_ack", 50],
    ]);
    // The socket dropped before the server read those acks: it redelivers; we ack again, silently.
    first.drop();
    const second = await FakeSocket.next(2);
    second.deliver({ type: "hello", device_id: "d-1", position: 0 });
    second.deliver({ type: "mailbox", entries: [mail("m3"), mail("new")] });
    expect(batches).toHaveLength(2);
    expect(second.frames()).toEqual([{ type: "mailbox_ack", ids: ["m3"] }]);
    s.close();
  });

  it("autoAck acknowledges after the handler resolves; a failing handler acknowledges nothing and gets the entries again", async ({ expect }) => {
    const { s } = stream();
    let fail = true;
    const handled: string[] = [];
    s.autoAck(async (entries) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (fail) throw new Error("could not decrypt yet");
      handled.push(...entries.map((e) => e.id));
    });
    const first = await FakeSocket.next(1);
    first.deliver({ type: "hello", device_id: "d-1", position: 0 });
    first.deliver({ type: "mailbox", entries: [mail("k1")] });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(first.frames()).toEqual([]);
    fail = false;
    first.drop();
    const second = await FakeSocket.next(2);
    second.deliver({ type: "hello", device_id: "d-1", position: 0 });
    second.deliver({ type: "mailbox", entries: [mail("k1")] });
    await until(() => second.frames().length === 1, "acked");
    expect(handled).toEqual(["k1"]);
    expect(second.frames()).toEqual([{ type: "mailbox_ack", ids: ["k1"] }]);
    s.close();
  });

  it("frames of a newer server are ignored, error frames are events", async ({ expect }) => {
    const { s } = stream();
    const errors: string[] = [];
    s.on("error", (e) => errors.push(e.code));
    const socket = await FakeSocket.next(1);
    socket.onmessage?.({ data: JSON.stringify({ type: "from_a_newer_server" }) });
    socket.deliver({ type: "error", code: "VALIDATION_ERROR", message: "bad frame" });
    socket.deliver({ type: "hello", device_id: "d-1", position: 1 });
    expect(errors).toEqual(["VALIDATION_ERROR"]);
    expect(s.state).toBe("open");
    expect(s.position).toBe(1);
    s.close();
  });
});

describe("IncomingCalls", () => {
  const call = (id: string, initiator = "u-2") => ({ id, conversation_id: "c-1", type: "video" as const, status: "ringing" as const, initiator_id: initiator });
  const ring = (pos: number, id: string, event: "ringing" | "answered_elsewhere" | "declined" | "ended" | "missed", at?: string, initiator?: string) =>
    entry(pos, { kind: "call", event, call: call(id, initiator) }, at);

  it("rings until answered elsewhere (or ended), not for own calls or stale replays, and stops on reset", async ({ expect }) => {
    const { s } = stream();
    const calls = new IncomingCalls(s, () => "u-1");
    const stops: string[] = [];
    calls.on("stopped", (x) => stops.push(`${x.call.id}:${x.reason}`));
    const socket = await FakeSocket.next(1);
    socket.deliver({ type: "hello", device_id: "d-1", position: 0 });
    const old = new Date(Date.now() - 10 * 60_000).toISOString();
    socket.deliver({ type: "events", entries: [ring(1, "a", "ringing"), ring(2, "mine", "ringing", undefined, "u-1"), ring(3, "stale", "ringing", old)] });
    expect(calls.ringing.map((c) => c.id)).toEqual(["a"]);
    socket.deliver({ type: "events", entries: [ring(4, "a", "answered_elsewhere"), ring(5, "b", "ringing")] });
    expect(calls.ringing.map((c) => c.id)).toEqual(["b"]);
    socket.deliver({ type: "reset", position: 9 });
    expect(calls.ringing).toEqual([]);
    expect(stops).toEqual(["a:answered_elsewhere", "b:ended"]);
    calls.close();
    s.close();
  });
});
