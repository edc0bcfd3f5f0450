/**
 * Erasing a deleted account, one bounded step per ACCOUNT queue message (./README.md):
 *   devices → files → conversations (a page at a time) → finish, then the whole conversations walk
 *   once more after ERASURE_SWEEP_DELAY_SECONDS (pass 2) → finish.
 * Every step is idempotent, so a redelivered or retried message redoes nothing harmful; each step
 * answers the jobs that follow it, which the consumer enqueues before it acks.
 */
import type { AccountJob } from "../../../../lib/contracts/queues";
import type { ConversationEncryption } from "../../../../lib/contracts/mls";
import type { ConversationType, Database } from "../../../../lib/db";
import { AppError } from "../../../../lib/errors";
import { log } from "../../../../lib/log";
import { durableObjectByName, type AuthedContext } from "../../../../lib/rpc";
import type { RoomMember } from "../rooms/room-members";

type EraseAccountJob = Extract<AccountJob, { kind: "erase_account" }>;
type EraseRoomJob = Extract<AccountJob, { kind: "erase_room" }>;
/** A job to enqueue, with its delay. */
export type NextJob = { body: AccountJob; delaySeconds?: number };

/** Conversations one step leaves: each is a database departure and one room call, so a page stays far inside a consumer invocation. */
export const CONVERSATIONS_PER_STEP = 25;
const DEFAULT_SWEEP_DELAY_SECONDS = 120;

const accountRpc = (job: { user_id: string; request_id: string }): AuthedContext => ({ requestId: job.request_id, userId: job.user_id });

function step(job: EraseAccountJob, next: EraseAccountJob["step"], extra: { after?: string; pass?: 1 | 2 } = {}): AccountJob {
  const pass = extra.pass ?? job.pass;
  const after = extra.after;
  return {
    kind: "erase_account",
    user_id: job.user_id,
    step: next,
    pass,
    ...(after !== undefined ? { after } : {}),
    idempotency_key: `erase:${job.user_id}:${next}:${pass}:${after ?? ""}`.slice(0, 128),
    request_id: job.request_id,
  };
}

export function sweepDelaySeconds(env: ChatEnv): number {
  const value = Number(env.ERASURE_SWEEP_DELAY_SECONDS);
  return Number.isInteger(value) && value >= 0 ? value : DEFAULT_SWEEP_DELAY_SECONDS;
}

export async function eraseAccountStep(env: ChatEnv, db: Database, job: EraseAccountJob): Promise<NextJob[]> {
  const userId = job.user_id;
  switch (job.step) {
    case "devices": {
      const count = await eraseDevices(env, db, userId);
      await db.keys.deleteAllForUser(userId);
      log({ event: "account_erasure", step: "devices", user_id: userId, count, request_id: job.request_id });
      return [{ body: step(job, "files") }];
    }
    case "files": {
      const result = await env.STORAGE.eraseUserFiles(accountRpc(job));
      if (!result.ok) throw AppError.from(result.error);
      return [{ body: step(job, result.value.more ? "files" : "conversations") }];
    }
    case "conversations": {
      const ids = await db.conversations.listIdsForUserById(userId, CONVERSATIONS_PER_STEP, job.after);
      const more: NextJob[] = [];
      for (const conversationId of ids) {
        if (await eraseFromConversation(env, db, userId, conversationId)) more.push({ body: roomJob(job, conversationId) });
      }
      log({ event: "account_erasure", step: `conversations_pass_${job.pass}`, user_id: userId, count: ids.length, request_id: job.request_id });
      const last = ids[ids.length - 1];
      const following = ids.length === CONVERSATIONS_PER_STEP && last !== undefined ? step(job, "conversations", { after: last }) : step(job, "finish");
      return [...more, { body: following }];
    }
    case "finish": {
      if (job.pass === 1) {
        // Tokens cached as valid by a gateway isolate (<= 60 s) could still have joined or created a
        // conversation during the first walk: walk again once they have all certainly stopped.
        return [{ body: step(job, "conversations", { pass: 2 }), delaySeconds: sweepDelaySeconds(env) }];
      }
      // Again: leaving the conversations published "you left" events to the device rooms wiped at the start.
      await eraseDevices(env, db, userId);
      await db.accounts.eraseCredentials(userId);
      log({ event: "account_erasure", step: "done", user_id: userId, request_id: job.request_id });
      return [];
    }
  }
}

/** The per-device rooms (stream, mailbox) are named by the devices' ids, which go with the credentials at "finish". */
async function eraseDevices(env: ChatEnv, db: Database, userId: string): Promise<number> {
  const devices = await db.users.listAllDevices(userId);
  for (const device of devices) {
    const erased = await durableObjectByName(env.DEVICE_ROOM, device.id).erase(userId);
    if (!erased.ok && erased.error.code !== "NOT_FOUND") throw AppError.from(erased.error);
  }
  return devices.length;
}

/** The next batch of one room; another job while the room says there is more. */
export async function eraseRoomStep(env: ChatEnv, db: Database, job: EraseRoomJob): Promise<NextJob[]> {
  const more = await eraseFromConversation(env, db, job.user_id, job.conversation_id);
  return more ? [{ body: { ...job } }] : [];
}

function roomJob(job: { user_id: string; request_id: string }, conversationId: string): AccountJob {
  return {
    kind: "erase_room",
    user_id: job.user_id,
    conversation_id: conversationId,
    idempotency_key: `erase-room:${conversationId}:${job.user_id}`.slice(0, 128),
    request_id: job.request_id,
  };
}

/**
 * The database first (the user leaves, a group passes to its heir, an emptied conversation goes),
 * then the room (member list without them, then a batch of their content): a send racing with this
 * is either stored before the room hears it, and erased by this very call, or refused after.
 * Answers whether the room has more to erase.
 */
async function eraseFromConversation(env: ChatEnv, db: Database, userId: string, conversationId: string): Promise<boolean> {
  const room = durableObjectByName(env.CONVERSATION_ROOM, conversationId);
  const erase = async (type: ConversationType, encryption: ConversationEncryption, members: RoomMember[] | null): Promise<boolean> => {
    const result = await room.eraseMember({ conversationId, type, encryption }, members, userId);
    if (!result.ok) throw AppError.from(result.error);
    return result.value.more;
  };
  const before = await db.conversations.get(conversationId);
  if (!before) return false;
  // Nobody else is left: the room is wiped before the row goes, so a retry still finds the row.
  if (before.members.every((m) => m.userId === userId)) {
    await erase(before.type, before.encryption, null);
    await db.conversations.departForErasure(conversationId, userId);
    return false;
  }
  const after = await db.conversations.departForErasure(conversationId, userId);
  return erase(before.type, before.encryption, after ? after.members.map((m) => ({ userId: m.userId, role: m.role })) : null);
}
