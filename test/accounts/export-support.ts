/** Helpers of the data export tests: waiting for the archive, reading its records, putting files back together. */
import { exports } from "cloudflare:workers";
import { expect } from "vitest";
import type { DataExportEnvelope } from "../../lib/contracts/account";
import { EXPORT_FILE_CHUNK_BYTES } from "../../lib/contracts/storage-rpc";
import { api, json } from "../chat/chat-client";
import type { TestUser } from "../helpers/auth";

export type Line = Record<string, unknown>;

/** The export's status once it is no longer pending (or after 20 s). */
export async function readyExport(user: TestUser): Promise<DataExportEnvelope["export"]> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const status = await json<DataExportEnvelope>(await api(user, "GET", "/v1/users/me/export"), 200);
    if (status.export.status !== "pending" || Date.now() > deadline) return status.export;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A JSON Lines archive's records. */
export function recordsOf(text: string): Line[] {
  return text
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Line);
}

/** The ready export's archive, fetched through its link as the user would. */
export async function downloadArchive(ready: DataExportEnvelope["export"]): Promise<{ text: string; lines: Line[] }> {
  const archive = await exports.default.fetch(ready.download_url ?? "");
  expect(archive.status).toBe(200);
  const text = await archive.text();
  return { text, lines: recordsOf(text) };
}

/** A file's bytes put back together from its `file_data` records, which must run gap-free from 0. */
export function reassemble(lines: Line[], fileId: string): Uint8Array {
  const chunks = lines.filter((l) => l.record === "file_data" && l.file_id === fileId);
  const parts: Uint8Array[] = [];
  let offset = 0;
  for (const chunk of chunks) {
    expect(chunk.offset).toBe(offset);
    const part = Uint8Array.from(atob(String(chunk.data_base64)), (c) => c.charCodeAt(0));
    expect(part.byteLength).toBeLessThanOrEqual(EXPORT_FILE_CHUNK_BYTES);
    parts.push(part);
    offset += part.byteLength;
  }
  const whole = new Uint8Array(offset);
  let at = 0;
  for (const part of parts) {
    whole.set(part, at);
    at += part.byteLength;
  }
  return whole;
}

/** Big byte arrays compare by digest: vitest's deep equality walks them element by element (slowly). */
export async function sha256(data: Uint8Array): Promise<string> {
  return [...new Uint8Array(await crypto.subtle.digest("SHA-256", data))].map((b) => b.toString(16).padStart(2, "0")).join("");
}
