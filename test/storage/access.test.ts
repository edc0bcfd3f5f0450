import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { withDb } from "../../lib/db";
import { createUser, type TestUser } from "../helpers/auth";
import { api, bytes, complete, download, downloadUrlOf, errorCode, get, post, putAsInstructed, quotaOf, requestUpload, uploadFile } from "./storage-client";

/** A group conversation, made through the conversations repository (the chat routes are another area's). */
async function groupOf(owner: TestUser, members: TestUser[]): Promise<string> {
  const conversation = await withDb(env, (db) =>
    db.conversations.createGroup({ createdBy: owner.user.id, name: "files", memberIds: members.map((m) => m.user.id) }),
  );
  return conversation.id;
}

describe("storage: who may see a file", () => {
  it("another user's file ids are 404 everywhere, and change nothing", async ({ expect }) => {
    const alice = await createUser();
    const mallory = await createUser();
    const done = await uploadFile(alice, { size_bytes: 40 });
    const pending = await requestUpload(alice, { size_bytes: 41 });
    expect((await putAsInstructed(pending, bytes(41))).status).toBe(200);

    for (const id of [done.id, pending.file_id, "01a20000-0000-7000-8000-000000000000"]) {
      const dl = await downloadUrlOf(mallory, id);
      expect(dl.status).toBe(404);
      expect(await errorCode(dl)).toBe("NOT_FOUND");
      expect((await complete(mallory, id)).status).toBe(404);
      expect((await api(`/v1/storage/files/${id}`, { method: "DELETE", headers: mallory.headers })).status).toBe(404);
    }
    expect((await get(mallory, `/v1/storage/files?before=${done.id}`)).status).toBe(400);
    expect(await quotaOf(alice)).toMatchObject({ used_bytes: 40, reserved_bytes: 41, file_count: 1 });
    expect(await quotaOf(mallory)).toMatchObject({ used_bytes: 0, reserved_bytes: 0, file_count: 0 });
    // Alice's things are untouched: she can still finish and download.
    expect((await complete(alice, pending.file_id)).status).toBe(200);
    expect((await download(alice, done.id)).res.status).toBe(200);
  });

  it("a file shared in a conversation downloads for its members only, and stops when a member leaves", async ({ expect }) => {
    const [alice, bob, carol, eve] = await Promise.all([createUser(), createUser(), createUser(), createUser()]);
    const conversationId = await groupOf(alice, [bob, carol]);
    const shared = await uploadFile(alice, { file_name: "plan.pdf", content_type: "application/pdf", size_bytes: 90, conversation_id: conversationId });
    expect(shared.conversation_id).toBe(conversationId);
    const unshared = await uploadFile(alice, { size_bytes: 91 });

    const { res, body } = await download(bob, shared.id);
    expect(res.status).toBe(200);
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(bytes(90));
    expect(body.file.file_name).toBe("plan.pdf");
    expect((await downloadUrlOf(carol, shared.id)).status).toBe(200);
    expect((await downloadUrlOf(eve, shared.id)).status).toBe(404);
    expect((await downloadUrlOf(bob, unshared.id)).status).toBe(404);
    // Members may read, not delete.
    expect((await api(`/v1/storage/files/${shared.id}`, { method: "DELETE", headers: bob.headers })).status).toBe(404);

    await withDb(env, (db) => db.conversations.removeMember(conversationId, carol.user.id));
    expect((await downloadUrlOf(carol, shared.id)).status).toBe(404);
  });

  it("sharing into a conversation the caller is not in is 404 and reserves nothing", async ({ expect }) => {
    const [alice, bob, eve] = await Promise.all([createUser(), createUser(), createUser()]);
    const conversationId = await groupOf(alice, [bob]);
    for (const id of [conversationId, "no-such-conversation"]) {
      const res = await post(eve, "/v1/storage/upload-url", { file_name: "x.png", content_type: "image/png", size_bytes: 10, conversation_id: id });
      expect(res.status).toBe(404);
      expect(await errorCode(res)).toBe("NOT_FOUND");
    }
    expect(await quotaOf(eve)).toMatchObject({ reserved_bytes: 0 });
  });

  it("path-like and odd file names are kept as names and never reach the object key", async ({ expect }) => {
    const alice = await createUser();
    for (const name of ["../../etc/passwd", "/absolute/evil.sh", "..\\..\\windows\\system32", "a/b?c#d%2e%2e", "naïve résumé 📄.pdf", '"quoted"; name.txt']) {
      const upload = await requestUpload(alice, { file_name: name, size_bytes: 5 });
      const url = new URL(upload.upload_url);
      expect(url.pathname).toBe(`/dev/s3/secureconnect-files/files/${alice.user.id}/${upload.file_id}`);
      expect((await putAsInstructed(upload, bytes(5))).status).toBe(200);
      const done = await complete(alice, upload.file_id);
      expect((await done.json<{ file: { file_name: string } }>()).file.file_name).toBe(name);
      expect(await env.FILES_BUCKET.head(`files/${alice.user.id}/${upload.file_id}`)).not.toBeNull();
      const { res } = await download(alice, upload.file_id);
      expect(res.headers.get("Content-Disposition")).toMatch(/^attachment; filename="[^"\\]*"; filename\*=UTF-8''[A-Za-z0-9%._~-]+$/);
    }
    const listed = await env.FILES_BUCKET.list({ prefix: "etc/" });
    expect(listed.objects).toHaveLength(0);
  });

  it("validates the upload request: names, types, sizes, malformed JSON and missing tokens", async ({ expect }) => {
    const alice = await createUser();
    const ok = { file_name: "a.png", content_type: "image/png", size_bytes: 10 };
    const cases: [unknown, string][] = [
      [{ ...ok, file_name: "" }, "file_name"],
      [{ ...ok, file_name: "x".repeat(256) }, "file_name"],
      [{ ...ok, file_name: "bad\u0000name" }, "file_name"],
      [{ ...ok, file_name: "line\nbreak.txt" }, "file_name"],
      [{ ...ok, file_name: "gpj\u202e.exe" }, "file_name"],
      [{ ...ok, file_name: "   " }, "file_name"],
      [{ ...ok, content_type: "" }, "content_type"],
      [{ ...ok, content_type: "image" }, "content_type"],
      [{ ...ok, content_type: "text/html\r\nX-Evil: 1" }, "content_type"],
      [{ ...ok, content_type: "image/png png" }, "content_type"],
      [{ ...ok, size_bytes: 0 }, "size_bytes"],
      [{ ...ok, size_bytes: -1 }, "size_bytes"],
      [{ ...ok, size_bytes: 1.5 }, "size_bytes"],
      [{ ...ok, size_bytes: "10" }, "size_bytes"],
      [{ ...ok, size_bytes: 100 * 1024 * 1024 + 1 }, "size_bytes"],
      [{ file_name: "a.png", content_type: "image/png" }, "size_bytes"],
    ];
    for (const [body, field] of cases) {
      const res = await post(alice, "/v1/storage/upload-url", body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      const envelope = await res.json<{ error: { code: string; details?: { field?: string }[] } }>();
      expect(envelope.error.code).toBe("VALIDATION_ERROR");
      expect(envelope.error.details?.map((d) => d.field)).toContain(field);
    }
    const max = await requestUpload(alice, { size_bytes: 100 * 1024 * 1024 });
    expect(max.headers["Content-Length"]).toBe(String(100 * 1024 * 1024));
    const spaced = await requestUpload(alice, { content_type: "Text/Plain ; charset=UTF-8", size_bytes: 3 });
    expect(spaced.headers["Content-Type"]).toBe("text/plain;charset=UTF-8");

    const malformed = await api("/v1/storage/upload-url", { method: "POST", headers: alice.headers, body: "{nope" });
    expect(malformed.status).toBe(400);
    expect(await errorCode(malformed)).toBe("BAD_REQUEST");
    const anonymous = await api("/v1/storage/upload-url", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(ok) });
    expect(anonymous.status).toBe(401);
    expect((await api("/v1/storage/quota")).status).toBe(401);
    expect((await api("/v1/storage/files", { headers: { Authorization: "Bearer a.b.c" } })).status).toBe(401);
    expect(await quotaOf(alice)).toMatchObject({ reserved_bytes: 100 * 1024 * 1024 + 3 });
  });
});
