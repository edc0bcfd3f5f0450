import { describe, it } from "vitest";
import type { MessageView } from "../../lib/contracts/chat";
import { MESSAGE_BATCH, serverFrameSchema, type ServerFrame } from "../../lib/contracts/chat-frames";
import { messageFrames } from "../../workers/chat/src/rooms/room-sockets";
import { createUser } from "../helpers/auth";
import { connect, createGroup, json, sendRest, upgrade, type ChatSocket } from "./chat-client";

/** Every stored message a socket has received so far, in arrival order, from `message` and `messages` frames. */
function received(socket: ChatSocket): MessageView[] {
  return socket.frames.flatMap((f) => (f.type === "message" ? [f.message] : f.type === "messages" ? f.messages : []));
}

async function waitFor(socket: ChatSocket, count: number): Promise<MessageView[]> {
  for (let i = 0; i < 500 && received(socket).length < count; i++) await scheduler.wait(10);
  return received(socket);
}

const frameTypes = (socket: ChatSocket) => socket.frames.map((f) => f.type).filter((t) => t === "message" || t === "messages");

describe("chat sockets: batched message frames (batch=1)", () => {
  it("messages stored together reach a batch=1 socket in fewer frames, each once and in seq order; a plain socket gets one frame each", async ({ expect }) => {
    const [alice, bob, carol] = await Promise.all([createUser(), createUser(), createUser()]);
    const group = await createGroup(alice, [bob, carol]);
    const sender = await connect(alice, group.id);
    const batched = await connect(bob, group.id, { batch: true });
    const plain = await connect(carol, group.id);
    const count = 40;
    // Sent in one go: the room stores what arrives together in one turn and fans it out once.
    for (let i = 0; i < count; i++) sender.socket.send({ type: "send", client_id: `b-${i}`, body: `m${i}` });
    const seqs = Array.from({ length: count }, (_, i) => i + 1);
    expect((await waitFor(batched.socket, count)).map((m) => m.seq)).toEqual(seqs);
    expect((await waitFor(plain.socket, count)).map((m) => m.seq)).toEqual(seqs);
    // Both sockets see the same messages in the same order. (The local runtime can hand the room one
    // socket's frames slightly out of order, so the seq order is compared, not the send order.)
    expect(received(batched.socket).map((m) => m.body)).toEqual(received(plain.socket).map((m) => m.body));
    expect(new Set(received(batched.socket).map((m) => m.body))).toEqual(new Set(seqs.map((s) => `m${s - 1}`)));
    expect(frameTypes(plain.socket).every((t) => t === "message")).toBe(true);
    expect(frameTypes(batched.socket)).toContain("messages");
    expect(frameTypes(batched.socket).length).toBeLessThan(count);
    // Acks are per send, as without batching, and each names its message's seq.
    const acks = new Map<string, number>();
    for (let i = 0; i < count; i++) {
      const ack = await sender.socket.next("ack");
      acks.set(ack.client_id, ack.seq);
    }
    expect(acks).toEqual(new Map(received(batched.socket).map((m) => [m.client_id, m.seq])));
    await Promise.all([sender.socket.end(), batched.socket.end(), plain.socket.end()]);
  });

  it("a batch=1 reconnect with since_seq gets what it missed in messages frames, before ready", async ({ expect }) => {
    const [alice, bob] = await Promise.all([createUser(), createUser()]);
    const group = await createGroup(alice, [bob]);
    for (let i = 1; i <= 5; i++) await sendRest(alice, group.id, { client_id: `r-${i}`, body: `m${i}` });
    const again = await connect(bob, group.id, { sinceSeq: 2, batch: true });
    // Besides the members' read watermarks (`read` frames, before ready), the replay is one batch.
    const types = (socket: typeof again.socket) => socket.frames.filter((f) => f.type !== "read").map((f) => f.type);
    expect(types(again.socket)).toEqual(["messages"]);
    expect(received(again.socket).map((m) => m.seq)).toEqual([3, 4, 5]);
    expect(again.ready.last_seq).toBe(5);
    await sendRest(alice, group.id, { client_id: "live", body: "m6" });
    // A turn that stores one message sends it as a one-element batch to a batch=1 socket.
    expect((await waitFor(again.socket, 4)).map((m) => m.seq)).toEqual([3, 4, 5, 6]);
    expect(types(again.socket)).toEqual(["messages", "messages"]);
    await again.socket.end();
  });

  it("a long replay to a batch=1 socket comes in groups of 100, nothing dropped or reordered", async ({ expect }) => {
    const [alice, bob] = await Promise.all([createUser(), createUser()]);
    const group = await createGroup(alice, [bob]);
    for (let i = 1; i <= 130; i++) await sendRest(alice, group.id, { client_id: `long-${i}`, body: `m${i}` });
    const again = await connect(bob, group.id, { sinceSeq: 0, batch: true });
    const sizes = again.socket.frames.flatMap((f) => (f.type === "messages" ? [f.messages.length] : f.type === "read" ? [] : [-1]));
    expect(sizes).toEqual([100, 30]);
    expect(received(again.socket).map((m) => m.seq)).toEqual(Array.from({ length: 130 }, (_, i) => i + 1));
    expect(again.ready.last_seq).toBe(130);
    await again.socket.end();
  });

  it("a batch value other than 0 or 1 is refused with the error envelope, no socket", async ({ expect }) => {
    const [alice, bob] = await Promise.all([createUser(), createUser()]);
    const group = await createGroup(alice, [bob]);
    for (const bad of ["2", "yes", "", "1,1"]) {
      const res = await upgrade(bob, group.id, { batch: bad });
      expect(res.webSocket).toBeNull();
      const body = await json<{ error: { code: string } }>(res, 400);
      expect(body.error.code).toBe("VALIDATION_ERROR");
    }
    const off = await connect(bob, group.id, { batch: false });
    await sendRest(alice, group.id, { client_id: "plain", body: "hi" });
    expect((await off.socket.next("message")).message.body).toBe("hi");
    await off.socket.end();
  });
});

describe("messageFrames", () => {
  const message = (seq: number, body: string): MessageView => ({
    id: `id-${seq}`,
    conversation_id: "c",
    seq,
    sender_id: "u",
    client_id: `c-${seq}`,
    content_type: "text/plain",
    body,
    ciphertext: null,
    attachments: [],
    reply_to_seq: null,
    epoch: null,
    reactions: [],
    created_at: "2026-11-23T00:00:00.000Z",
    edited_at: null,
    deleted: false,
  });
  const parse = (texts: string[]): ServerFrame[] => texts.map((t) => serverFrameSchema.parse(JSON.parse(t)));

  it("builds the same JSON as the frame schema describes, one frame per message or batched", ({ expect }) => {
    const messages = [message(1, 'a"b'), message(2, "\u0000\n😀")];
    expect(parse(messageFrames(messages, false))).toEqual(messages.map((m) => ({ type: "message", message: m })));
    expect(parse(messageFrames(messages, true))).toEqual([{ type: "messages", messages }]);
    expect(parse(messageFrames([messages[0] ?? message(0, "")], true))).toEqual([{ type: "messages", messages: [messages[0]] }]);
  });

  it("splits a batch so each frame stays under the size cap, and never drops or reorders a message", ({ expect }) => {
    // Control characters serialise to six characters each: the cap must count the serialised text.
    const big = "\u0001".repeat(20_000);
    const messages = Array.from({ length: 12 }, (_, i) => message(i + 1, big));
    const texts = messageFrames(messages, true);
    expect(texts.length).toBeGreaterThan(1);
    for (const text of texts) expect(text.length).toBeLessThanOrEqual(MESSAGE_BATCH.maxFrameChars);
    const frames = parse(texts);
    expect(frames.flatMap((f) => (f.type === "messages" ? f.messages.map((m) => m.seq) : []))).toEqual(messages.map((m) => m.seq));
  });
});
