import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import type { MessageView } from "../../lib/contracts/chat";
import { createUser, type TestUser } from "../helpers/auth";
import { api, chatSocket } from "../calls/helpers";
import { downloadUrlOf, putAsInstructed, requestUpload, uploadFile } from "../storage/storage-client";

async function directConversation(a: TestUser, b: TestUser): Promise<string> {
  const res = await api(a, "POST", "/v1/conversations", { type: "direct", member_ids: [b.user.id] });
  if (res.status !== 201 && res.status !== 200) throw new Error(`conversation: ${res.status}`);
  return (res.body.conversation as { id: string }).id;
}

const send = (user: TestUser, conversationId: string, attachments: string[], clientId = crypto.randomUUID()) =>
  api(user, "POST", `/v1/conversations/${conversationId}/messages`, { client_id: clientId, body: "see attached", attachments });

async function history(user: TestUser, conversationId: string): Promise<MessageView[]> {
  return (await api(user, "GET", `/v1/conversations/${conversationId}/messages`)).body.messages as MessageView[];
}

describe("message attachments: only the sender's own uploaded files", () => {
  it("refuses another user's file, an unknown id and an unfinished upload with 400 naming the attachment, storing nothing", async ({ expect }) => {
    const [alice, bob, mallory] = await Promise.all([createUser(), createUser(), createUser()]);
    const conversationId = await directConversation(alice, bob);
    const malloryFile = await uploadFile(mallory, { size_bytes: 32 });
    const unfinished = await requestUpload(alice, { size_bytes: 32 });
    expect((await putAsInstructed(unfinished, new Uint8Array(32))).status).toBe(200);
    const own = await uploadFile(alice, { size_bytes: 32 });

    for (const bad of [malloryFile.id, "01900000-0000-7000-8000-00000000dead", unfinished.file_id]) {
      const res = await send(alice, conversationId, [own.id, bad]);
      expect(res.status).toBe(400);
      expect(res.body.error?.code).toBe("VALIDATION_ERROR");
      expect((res.body.error as { details?: { field: string }[] } | undefined)?.details).toEqual([expect.objectContaining({ field: "attachments.1" })]);
    }
    expect(await history(alice, conversationId)).toEqual([]);
    // Mallory's file did not become visible to the conversation.
    expect((await downloadUrlOf(bob, malloryFile.id)).status).toBe(404);
    const stored = await env.FILES_BUCKET.head(`files/${mallory.user.id}/${malloryFile.id}`);
    expect(stored?.size).toBe(32);
  });

  it("refuses a bad attachment on the socket with an error frame, and stores nothing", async ({ expect }) => {
    const [alice, bob, mallory] = await Promise.all([createUser(), createUser(), createUser()]);
    const conversationId = await directConversation(alice, bob);
    const malloryFile = await uploadFile(mallory, { size_bytes: 16 });
    const socket = await chatSocket(alice, conversationId);
    socket.send({ type: "send", client_id: "c-bad", body: "mine now", attachments: [malloryFile.id] });
    const frame = await socket.next("error");
    expect(frame).toMatchObject({ code: "VALIDATION_ERROR", client_id: "c-bad" });
    // A later plain send from the same socket still goes through, after the refused one.
    socket.send({ type: "send", client_id: "c-ok", body: "hello" });
    expect(await socket.next("ack")).toMatchObject({ client_id: "c-ok", seq: 1 });
    socket.close();
    expect((await history(alice, conversationId)).map((m) => m.client_id)).toEqual(["c-ok"]);
  });

  it("accepts the sender's own completed file, which the other member may then download and a non-member may not", async ({ expect }) => {
    const [alice, bob, eve] = await Promise.all([createUser(), createUser(), createUser()]);
    const conversationId = await directConversation(alice, bob);
    const file = await uploadFile(alice, { size_bytes: 48 });
    expect((await downloadUrlOf(bob, file.id)).status).toBe(404);

    const bobSocket = await chatSocket(bob, conversationId);
    const aliceSocket = await chatSocket(alice, conversationId);
    aliceSocket.send({ type: "send", client_id: "with-file", body: "the report", attachments: [file.id] });
    expect(await aliceSocket.next("ack")).toMatchObject({ client_id: "with-file", seq: 1 });
    const delivered = await bobSocket.next();
    const message = (delivered.type === "messages" ? (delivered.messages as MessageView[])[0] : delivered.message) as MessageView;
    expect(message.attachments).toEqual([file.id]);
    aliceSocket.close();
    bobSocket.close();

    const link = await downloadUrlOf(bob, file.id);
    expect(link.status).toBe(200);
    const eveLink = await downloadUrlOf(eve, file.id);
    expect(eveLink.status).toBe(404);

    // Over REST too, and a retried client_id answers with the original.
    const second = await uploadFile(alice, { size_bytes: 8 });
    const first = await send(alice, conversationId, [second.id], "rest-file");
    expect(first.status).toBe(201);
    expect((first.body.message as MessageView).attachments).toEqual([second.id]);
    expect((await send(alice, conversationId, [second.id], "rest-file")).status).toBe(200);
    expect((await downloadUrlOf(bob, second.id)).status).toBe(200);
  });

  it("keeps a file in the one conversation it was shared in", async ({ expect }) => {
    const [alice, bob, carol] = await Promise.all([createUser(), createUser(), createUser()]);
    const withBob = await directConversation(alice, bob);
    const withCarol = await directConversation(alice, carol);
    const file = await uploadFile(alice, { size_bytes: 8 });
    expect((await send(alice, withBob, [file.id])).status).toBe(201);
    const elsewhere = await send(alice, withCarol, [file.id]);
    expect(elsewhere.status).toBe(400);
    expect((await downloadUrlOf(carol, file.id)).status).toBe(404);
  });
});
