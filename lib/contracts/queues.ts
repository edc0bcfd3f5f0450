import * as z from "zod";

/**
 * Queue bodies. Producers build them with these schemas; consumers validate them again (a bad
 * body is dead-lettered, never retried forever). Each carries an idempotency key so a redelivered
 * message is not sent twice, and the request id of the request that caused it.
 * Queues cap a message at 128 KB: these bodies are small by construction (ids, tokens, short text).
 */
const envelope = {
  idempotency_key: z.string().min(8).max(128),
  request_id: z.string().max(128),
};

export const emailJobSchema = z.discriminatedUnion("kind", [
  z.object({ ...envelope, kind: z.literal("verify_email"), to: z.email().max(254), username: z.string().max(64), token: z.string().max(256) }),
  z.object({ ...envelope, kind: z.literal("password_reset"), to: z.email().max(254), username: z.string().max(64), token: z.string().max(256) }),
  /** To the NEW address of a requested email change: its token confirms the change. */
  z.object({ ...envelope, kind: z.literal("email_change"), to: z.email().max(254), username: z.string().max(64), token: z.string().max(256) }),
  /** To the OLD address once a change took effect: a notice with no token (`new_email` shown masked). */
  z.object({ ...envelope, kind: z.literal("email_changed"), to: z.email().max(254), username: z.string().max(64), new_email: z.email().max(254) }),
  /** A data export is ready: a presigned link to the archive (its query string is the credential; never logged). */
  z.object({
    ...envelope,
    kind: z.literal("data_export_ready"),
    to: z.email().max(254),
    username: z.string().max(64),
    link: z.url().max(1024),
    expires_at: z.string().max(64),
  }),
]);
export type EmailJob = z.infer<typeof emailJobSchema>;

/** Recipients one message wake-up carries; the largest body stays far below QUEUE_MESSAGE_MAX_BYTES (test/notifications/queue-limits.test.ts). */
export const PUSH_TARGETS_MAX = 200;

/** One recipient of a wake-up: every push device of the user, or only `device_id` when given. */
export const pushTargetSchema = z.object({ user_id: z.string().max(64), device_id: z.string().max(128).optional() });
export type PushTarget = z.infer<typeof pushTargetSchema>;

export const pushJobSchema = z.discriminatedUnion("kind", [
  /**
   * A wake-up for a new message: ids only, never plaintext or ciphertext. One queue message carries
   * many recipients (`targets`, up to PUSH_TARGETS_MAX), so a large mostly-offline group costs one
   * queue message per PUSH_TARGETS_MAX recipients, not one per recipient. `user_id` alone (one
   * recipient) is the earlier shape, still accepted for messages queued before the change.
   */
  z.object({
    ...envelope,
    kind: z.literal("message"),
    user_id: z.string().max(64).optional(),
    targets: z.array(pushTargetSchema).min(1).max(PUSH_TARGETS_MAX).optional(),
    conversation_id: z.string().max(64),
    seq: z.number().int().positive(),
    sender_id: z.string().max(64),
    // No preview field on purpose: a push never carries message content (E2EE), so there is none
    // to leak; an unknown `preview` sent by a producer is stripped by validation.
  }),
  /** High priority: an incoming call. */
  z.object({
    ...envelope,
    kind: z.literal("incoming_call"),
    user_id: z.string().max(64),
    call_id: z.string().max(64),
    conversation_id: z.string().max(64),
    caller_id: z.string().max(64),
    call_type: z.enum(["audio", "video"]),
  }),
  /** Tells a device owner to upload more one-time prekeys. */
  z.object({
    ...envelope,
    kind: z.literal("prekeys_low"),
    user_id: z.string().max(64),
    device_id: z.string().max(128),
    remaining: z.number().int().nonnegative(),
  }),
]);
export type PushJob = z.infer<typeof pushJobSchema>;

/**
 * The ACCOUNT queue (produced by auth and by its own consumer in chat, workers/chat/src/accounts/):
 * erasing a deleted account, one bounded step per message, and building a data export. Every step
 * is idempotent (a redelivery redoes nothing harmful), so no sent-marker is kept. Ids and a cursor
 * only: a user in thousands of conversations costs one message per page of them.
 */
export const ERASURE_STEPS = ["devices", "files", "conversations", "finish"] as const;
export const accountJobSchema = z.discriminatedUnion("kind", [
  z.object({
    ...envelope,
    kind: z.literal("erase_account"),
    user_id: z.string().max(64),
    step: z.enum(ERASURE_STEPS),
    /** conversations: the last conversation id of the previous page. */
    after: z.string().max(64).optional(),
    /** 1, then 2: the sweep that repeats the walk once every token of the account has certainly stopped working. */
    pass: z.union([z.literal(1), z.literal(2)]),
  }),
  /** The next batch of a room whose erasure did not fit in one call. */
  z.object({ ...envelope, kind: z.literal("erase_room"), user_id: z.string().max(64), conversation_id: z.string().max(64) }),
  z.object({
    ...envelope,
    kind: z.literal("export_account"),
    user_id: z.string().max(64),
    export_id: z.string().max(64),
    /** The origin the request came to: development presigned links point back at it. */
    origin: z.string().max(512).optional(),
  }),
]);
export type AccountJob = z.infer<typeof accountJobSchema>;

/** Queues' per-message limit; producers assert their bodies stay far below it. */
export const QUEUE_MESSAGE_MAX_BYTES = 128 * 1024;
