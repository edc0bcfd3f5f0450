/** Exporting one's data (POST/GET /v1/users/me/export): the queued archive, its link, the daily limit. */
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { DataExportEnvelope } from "../../lib/contracts/account";
import { api, createGroup, json, sendRest } from "../chat/chat-client";
import { createUser, type TestUser } from "../helpers/auth";
import { pollDev } from "../notifications/support";
import { uploadFile } from "../storage/storage-client";
import { linkFromText } from "../../workers/auth/src/email/templates";

async function readyExport(user: TestUser): Promise<DataExportEnvelope["export"]> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const status = await json<DataExportEnvelope>(await api(user, "GET", "/v1/users/me/export"), 200);
    if (status.export.status !== "pending" || Date.now() > deadline) return status.export;
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe("data export", () => {
  it("builds one JSON Lines archive with profile, sessions, devices, conversations, own messages as stored and file links; announced by email", async () => {
    const [user, other] = [await createUser(), await createUser()];
    expect((await api(user, "GET", "/v1/users/me/export")).status).toBe(404);
    const group = await createGroup(user, [other], "exported");
    const file = await uploadFile(user, { size_bytes: 32, file_name: "notes.txt", content_type: "text/plain" });
    await sendRest(user, group.id, { client_id: "mine-1", body: "my own words" });
    await sendRest(user, group.id, { client_id: "mine-2", ciphertext: "b3BhcXVl" });
    await sendRest(other, group.id, { client_id: "theirs", body: "not mine" });

    const queued = await json<DataExportEnvelope>(await api(user, "POST", "/v1/users/me/export"), 202);
    expect(queued.export).toMatchObject({ status: "pending", download_url: null });
    const again = await api(user, "POST", "/v1/users/me/export");
    expect(again.status).toBe(429);
    expect(Number(again.headers.get("retry-after"))).toBeGreaterThan(23 * 3600);

    const ready = await readyExport(user);
    expect(ready).toMatchObject({ id: queued.export.id, status: "ready", download_url: expect.any(String), expires_at: expect.any(String) });
    const archive = await exports.default.fetch(ready.download_url ?? "");
    expect(archive.status).toBe(200);
    const lines = (await archive.text())
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const of = (record: string) => lines.filter((l) => l.record === record);
    expect(of("export")).toHaveLength(1);
    expect(of("profile")).toEqual([expect.objectContaining({ id: user.user.id, email: user.user.email, username: user.user.username })]);
    expect(of("session").length).toBeGreaterThan(0);
    expect(of("device").length).toBeGreaterThan(0);
    expect(of("conversation")).toEqual([expect.objectContaining({ id: group.id, name: "exported", member: true })]);
    expect(of("message").map((m) => [m.client_id, m.body, m.ciphertext])).toEqual([
      ["mine-1", "my own words", null],
      ["mine-2", null, "b3BhcXVl"],
    ]);
    const [fileLine] = of("file");
    expect(fileLine).toMatchObject({ id: file.id, file_name: "notes.txt" });
    expect((await exports.default.fetch(String(fileLine?.download_url))).status).toBe(200);

    const mailbox = await pollDev<{ messages: { kind: string; body: string }[] }>(`/dev/mailbox?to=${encodeURIComponent(user.user.email)}`, (b) =>
      b.messages.some((m) => m.kind === "data_export_ready"),
    );
    const mail = mailbox.messages.find((m) => m.kind === "data_export_ready");
    const link = linkFromText(mail?.body ?? "");
    expect(link).toBeTruthy();
    expect((await exports.default.fetch(link ?? "")).status).toBe(200);
  });

  it("another user's archive cannot be reached: its link is signed for its key only, and a tampered one is refused", async () => {
    const user = await createUser();
    await json(await api(user, "POST", "/v1/users/me/export"), 202);
    const ready = await readyExport(user);
    const url = new URL(ready.download_url ?? "");
    url.pathname = url.pathname.replace(user.user.id, "someone-else");
    expect((await exports.default.fetch(url.toString())).status).toBe(403);
  });
});
