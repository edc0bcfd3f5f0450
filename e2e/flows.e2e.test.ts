import { describe, it } from "vitest";
import { api, base, FrameSocket, register } from "./client";

type Message = { seq: number; body?: string; client_id: string; sender_id: string };

describe("a client's whole day against the real stack", () => {
  it("registers, chats over REST and WebSocket, and resumes after a reconnect", async ({ expect }) => {
    const alice = await register();
    const bob = await register();
    const created = await api<{ conversation: { id: string } }>("POST", "/v1/conversations", { type: "direct", member_ids: [bob.id] }, alice.headers);
    expect(created.status).toBe(201);
    const conversationId = created.body.conversation.id;

    const bobSocket = await FrameSocket.open(`/v1/ws/chat?conversation_id=${conversationId}`, bob);
    await bobSocket.waitFor((f) => f.type === "ready");

    const aliceSocket = await FrameSocket.open(`/v1/ws/chat?conversation_id=${conversationId}`, alice);
    await aliceSocket.waitFor((f) => f.type === "ready");
    aliceSocket.send({ type: "send", client_id: "e2e-1", body: "hello over the socket" });
    const ack = await aliceSocket.waitFor((f) => f.type === "ack" && f.client_id === "e2e-1");
    expect(ack.seq).toBe(1);
    const delivered = await bobSocket.waitFor((f) => f.type === "message");
    expect((delivered.message as Message).body).toBe("hello over the socket");

    // Bob goes away; Alice sends over REST; Bob comes back with since_seq and misses nothing.
    await bobSocket.close();
    const rest = await api<{ message: Message }>(
      "POST",
      `/v1/conversations/${conversationId}/messages`,
      { client_id: "e2e-2", body: "while you were out" },
      alice.headers,
    );
    expect(rest.status).toBe(201);
    expect(rest.body.message.seq).toBe(2);
    const again = await api<{ message: Message }>(
      "POST",
      `/v1/conversations/${conversationId}/messages`,
      { client_id: "e2e-2", body: "while you were out" },
      alice.headers,
    );
    expect(again.status).toBe(200);
    expect(again.body.message.seq).toBe(2);

    const back = await FrameSocket.open(`/v1/ws/chat?conversation_id=${conversationId}&since_seq=1`, bob);
    const ready = await back.waitFor((f) => f.type === "ready");
    expect(ready.last_seq).toBe(2);
    const replayed = back.frames.filter((f) => f.type === "message").map((f) => (f.message as Message).seq);
    expect(replayed).toEqual([2]);

    const history = await api<{ messages: Message[]; has_more: boolean }>(
      "GET",
      `/v1/conversations/${conversationId}/messages?limit=10`,
      undefined,
      bob.headers,
    );
    expect(history.body.messages.map((m) => m.seq)).toEqual([2, 1]);
    await Promise.all([back.close(), aliceSocket.close()]);
  });

  it("stores one socket's rapid sends in the order the client sent them", async ({ expect }) => {
    const alice = await register();
    const bob = await register();
    const conv = await api<{ conversation: { id: string } }>("POST", "/v1/conversations", { type: "direct", member_ids: [bob.id] }, alice.headers);
    const socket = await FrameSocket.open(`/v1/ws/chat?conversation_id=${conv.body.conversation.id}`, alice);
    await socket.waitFor((f) => f.type === "ready");
    const ids = Array.from({ length: 60 }, (_, i) => `order-${i}`);
    for (const id of ids) socket.send({ type: "send", client_id: id, body: id });
    const acks = await Promise.all(ids.map((id) => socket.waitFor((f) => f.type === "ack" && f.client_id === id)));
    const seqs = acks.map((a) => a.seq as number);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    await socket.close();
  });

  it("refuses a socket upgrade to a non-member with a 4xx envelope", async ({ expect }) => {
    const alice = await register();
    const bob = await register();
    const eve = await register();
    const created = await api<{ conversation: { id: string } }>("POST", "/v1/conversations", { type: "direct", member_ids: [bob.id] }, alice.headers);
    await expect(FrameSocket.open(`/v1/ws/chat?conversation_id=${created.body.conversation.id}`, eve)).rejects.toThrow(/upgrade refused with 404/);
  });

  it("uploads a file with a plain S3 PUT to the presigned URL and downloads it back", async ({ expect }) => {
    const alice = await register();
    const content = new TextEncoder().encode("end-to-end file body");
    const issued = await api<{ file_id: string; upload_url: string; headers: Record<string, string> }>(
      "POST",
      "/v1/storage/upload-url",
      { file_name: "notes.txt", content_type: "text/plain", size_bytes: content.byteLength },
      alice.headers,
    );
    expect(issued.status).toBe(201);
    expect(issued.body.upload_url.startsWith(base)).toBe(true);

    const put = await fetch(issued.body.upload_url, { method: "PUT", body: content, headers: issued.body.headers });
    expect(put.status).toBe(200);
    const done = await api<{ file: { status: string } }>("POST", "/v1/storage/upload-complete", { file_id: issued.body.file_id }, alice.headers);
    expect(done.status).toBe(200);
    expect(done.body.file.status).toBe("completed");

    // The same presigned URL, within its 15 minutes, cannot replace the verified object.
    const overwrite = await fetch(issued.body.upload_url, {
      method: "PUT",
      body: new TextEncoder().encode("replaced file body!!"),
      headers: issued.body.headers,
    });
    expect(overwrite.status).toBe(412);

    const link = await api<{ download_url: string }>("GET", `/v1/storage/download-url/${issued.body.file_id}`, undefined, alice.headers);
    const got = await fetch(link.body.download_url);
    expect(await got.text()).toBe("end-to-end file body");

    const quota = await api<{ used_bytes: number; file_count: number }>("GET", "/v1/storage/quota", undefined, alice.headers);
    expect(quota.body).toMatchObject({ used_bytes: content.byteLength, file_count: 1 });
  });

  it("rings a call, joins it, relays signaling, and persists the call log", async ({ expect }) => {
    const alice = await register();
    const bob = await register();
    const conv = await api<{ conversation: { id: string } }>("POST", "/v1/conversations", { type: "direct", member_ids: [bob.id] }, alice.headers);
    const started = await api<{ call: { id: string; status: string }; ice_servers: unknown[] }>(
      "POST",
      "/v1/calls/initiate",
      { conversation_id: conv.body.conversation.id, type: "video" },
      alice.headers,
    );
    expect(started.status).toBe(201);
    expect(started.body.call.status).toBe("ringing");
    expect(started.body.ice_servers.length).toBeGreaterThan(0);
    const callId = started.body.call.id;

    const joined = await api<{ call: { status: string } }>("POST", `/v1/calls/${callId}/join`, undefined, bob.headers);
    expect(joined.status).toBe(200);
    expect(joined.body.call.status).toBe("active");

    const aliceSig = await FrameSocket.open(`/v1/ws/signaling?call_id=${callId}`, alice);
    const bobSig = await FrameSocket.open(`/v1/ws/signaling?call_id=${callId}`, bob);
    aliceSig.send({ type: "offer", to_user_id: bob.id, payload: { sdp: "v=0 fake offer" } });
    const offer = await bobSig.waitFor((f) => f.type === "offer");
    expect(offer.from_user_id).toBe(alice.id);
    await Promise.all([aliceSig.close(), bobSig.close()]);

    const ended = await api<{ call: { status: string; duration_seconds: number | null } }>("POST", `/v1/calls/${callId}/end`, undefined, alice.headers);
    expect(ended.body.call.status).toBe("ended");
    const history = await api<{ calls: Array<{ id: string; missed: boolean }> }>(
      "GET",
      `/v1/calls?conversation_id=${conv.body.conversation.id}`,
      undefined,
      bob.headers,
    );
    expect(history.body.calls.find((c) => c.id === callId)?.missed).toBe(false);
  });

  it("delivers the verification email through the real EMAIL queue into the dev mailbox", async ({ expect }) => {
    const alice = await register();
    let messages: Array<{ text?: string; body?: string; subject?: string }> = [];
    for (let i = 0; i < 40 && messages.length === 0; i++) {
      const box = await api<{ messages: typeof messages }>("GET", `/dev/mailbox?to=${encodeURIComponent(alice.email)}`);
      messages = box.body.messages;
      if (messages.length === 0) await new Promise((r) => setTimeout(r, 250));
    }
    expect(messages.length).toBeGreaterThan(0);
  });
});
