/**
 * Building a data export (one ACCOUNT queue message): a JSON Lines archive in R2 with the profile,
 * sessions, devices, every conversation the user is in or has left, their own messages as stored
 * (ciphertext stays ciphertext) and their files, each with its bytes (within the export's file-data
 * budget, ./export-files.ts) and a presigned link valid as long as the archive; then the export row
 * says ready and an email carries a link. Rooms and files are paged and file bytes come a chunk at a
 * time, so memory stays at one archive part plus one page or one chunk.
 */
import { EXPORT_LIFETIME_SECONDS } from "../../../../lib/contracts/account";
import { emailJobSchema, type AccountJob } from "../../../../lib/contracts/queues";
import type { Database } from "../../../../lib/db";
import { AppError } from "../../../../lib/errors";
import { log } from "../../../../lib/log";
import { durableObjectByName, type AuthedContext } from "../../../../lib/rpc";
import { conversationView } from "../conversations/conversation-views";
import { ArchiveWriter } from "./archive-writer";
import { FILE_DATA_CALLS, fileDataBudget, writeFiles } from "./export-files";

type ExportJob = Extract<AccountJob, { kind: "export_account" }>;

/** The archive's format, written in its first line. */
export const EXPORT_FORMAT = "secureconnect-export/2";

export async function buildExport(env: ChatEnv, db: Database, job: ExportJob): Promise<void> {
  const current = await db.exports.get(job.user_id);
  // A redelivery of an export already finished (or superseded) does nothing.
  if (!current || current.id !== job.export_id || current.status !== "pending") return;
  const user = await db.users.findById(job.user_id);
  if (!user || user.deletedAt !== null) {
    await db.exports.markFailed(job.user_id, job.export_id);
    return;
  }
  const rpc: AuthedContext = { requestId: job.request_id, userId: job.user_id, ...(job.origin !== undefined ? { origin: job.origin } : {}) };
  const begun = await env.STORAGE.beginExportArchive(rpc, { export_id: job.export_id });
  if (!begun.ok) throw AppError.from(begun.error);
  const out = new ArchiveWriter(env.STORAGE, rpc, begun.value);

  const budget = fileDataBudget(env);
  await out.write({
    record: "export",
    format: EXPORT_FORMAT,
    export_id: job.export_id,
    user_id: user.id,
    created_at: new Date().toISOString(),
    file_data_budget_bytes: budget,
  });
  await out.write({
    record: "profile",
    id: user.id,
    email: user.email,
    username: user.username,
    display_name: user.displayName,
    avatar_file_id: user.avatarFileId,
    email_verified: user.emailVerified,
    created_at: user.createdAt,
  });
  for (const s of await db.sessions.listActive(user.id)) {
    await out.write({
      record: "session",
      id: s.id,
      created_at: s.createdAt,
      last_used_at: s.lastUsedAt,
      expires_at: s.expiresAt,
      user_agent: s.userAgent,
      ip: s.ip,
    });
  }
  for (const d of await db.users.listAllDevices(user.id)) {
    await out.write({
      record: "device",
      id: d.id,
      platform: d.platform,
      name: d.name,
      created_at: d.createdAt,
      last_seen_at: d.lastSeenAt,
      has_push_token: d.pushToken !== null,
    });
  }
  for (const k of await db.keys.listDevices(user.id)) {
    await out.write({ record: "key_device", device_id: k.deviceId, identity_key: k.identityKey, signed_prekey_id: k.signedPrekeyId, updated_at: k.updatedAt });
  }
  await writeConversations(env, db, out, user.id);
  const files = await writeFiles(env.STORAGE, out, rpc, { bytes: budget, calls: FILE_DATA_CALLS });
  await out.close();

  const expiresAt = new Date(Date.now() + EXPORT_LIFETIME_SECONDS * 1000).toISOString();
  await db.exports.markReady({ userId: user.id, exportId: job.export_id, objectKey: begun.value.key, expiresAt });
  log({
    event: "account_export",
    user_id: user.id,
    export_id: job.export_id,
    outcome: "ready",
    bytes: out.bytes,
    files: files.files,
    files_with_data: files.with_data,
    file_data_bytes: files.data_bytes,
    request_id: job.request_id,
  });
  await announce(env, rpc, job, user, begun.value.key, expiresAt);
}

const CONVERSATION_PAGE = 50;

/** Every item of a cursor-paged source, page after page, until a page names no next cursor. */
async function* paged<T, C>(first: C, page: (cursor: C) => Promise<{ items: T[]; next: C | null }>): AsyncGenerator<T> {
  let cursor: C | null = first;
  while (cursor !== null) {
    const { items, next }: { items: T[]; next: C | null } = await page(cursor);
    yield* items;
    cursor = next;
  }
}

async function writeConversations(env: ChatEnv, db: Database, out: ArchiveWriter, userId: string): Promise<void> {
  const conversationIds = paged(undefined, async (after: string | undefined) => {
    const ids = await db.conversations.listIdsForUserById(userId, CONVERSATION_PAGE, after);
    return { items: ids, next: ids.length < CONVERSATION_PAGE ? null : (ids[ids.length - 1] ?? null) };
  });
  for await (const id of conversationIds) {
    const conversation = await db.conversations.get(id);
    if (!conversation) continue;
    const member = conversation.members.some((m) => m.userId === userId);
    await out.write({ record: "conversation", member, ...conversationView(conversation) });
    const room = durableObjectByName(env.CONVERSATION_ROOM, id);
    const messages = paged(0, async (afterSeq) => {
      const page = await room.ownMessages(userId, afterSeq);
      return { items: page.messages, next: page.next_after_seq };
    });
    for await (const message of messages) await out.write({ record: "message", ...message });
  }
}

/** The email with a link to the archive; it goes through auth's EMAIL queue like every email. */
async function announce(
  env: ChatEnv,
  rpc: AuthedContext,
  job: ExportJob,
  user: { email: string; username: string },
  key: string,
  expiresAt: string,
): Promise<void> {
  const link = await env.STORAGE.archiveLink(rpc, { key, expires_at: expiresAt, ttl_seconds: EXPORT_LIFETIME_SECONDS });
  if (!link.ok) throw AppError.from(link.error);
  const body = emailJobSchema.parse({
    kind: "data_export_ready",
    to: user.email,
    username: user.username,
    link: link.value.download_url,
    expires_at: link.value.expires_at,
    idempotency_key: `data_export_ready:${job.export_id}`,
    request_id: job.request_id,
  });
  await env.EMAIL_QUEUE.send(body, { contentType: "json" });
}
