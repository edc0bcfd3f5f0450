import * as z from "zod";
import { errorCodeSchema } from "../errors";
import { callSummarySchema } from "./chat-frames";
import { contentTypeSchema, idSchema, MemberRoleSchema } from "./chat";

/**
 * The per-device event stream (`/v1/ws/events`): one connection per signed-in device that carries
 * everything for its user outside the open conversation (Signal's and Matrix's /sync model). A
 * `DeviceRoom` Durable Object per device holds the socket, the stream and the device's mailbox.
 *
 * Positions: every stream entry gets a monotonic position. Conversation changes are coalesced by
 * conversation (a newer change replaces the older entry, under a new position), so a device away for
 * a week resumes with one entry per changed conversation. Entries older than the retention window
 * are dropped; resuming from before the oldest kept position gets a `reset` (reload the lists).
 * Mailbox entries are not stream entries: they are kept until this device acknowledges them and are
 * delivered again on every connect until then.
 */

export const DEVICE_STREAM_LIMITS = {
  /** A message's body or ciphertext is carried up to this many characters (enough for a list row and a notification). */
  previewChars: 512,
  /** One mailbox payload (base64url text), e.g. an MLS Welcome. */
  maxMailboxPayloadChars: 96 * 1024,
  /** Unacknowledged mailbox entries a device holds; a full mailbox refuses new ones with 429. */
  maxMailboxEntries: 1_000,
  /** Ids in one acknowledgement frame. */
  maxAckIds: 100,
  /** Stream entries kept per device; older positions get a reset. */
  retainedEntries: 2_000,
  /** Stream entries kept at most this long. */
  retentionMs: 30 * 24 * 60 * 60 * 1000,
} as const;

export const streamPositionSchema = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
export type StreamPosition = z.infer<typeof streamPositionSchema>;

/** What a list row and a notification need of a message; never attachments. */
export const messagePreviewSchema = z.object({
  seq: z.number().int().positive(),
  sender_id: z.string(),
  content_type: contentTypeSchema,
  /** Plaintext rooms: the body, cut at `previewChars` (then `truncated`). */
  body: z.string().nullable(),
  /** Encrypted rooms: the ciphertext, cut at `previewChars` (then `truncated`). */
  ciphertext: z.string().nullable(),
  truncated: z.boolean(),
  deleted: z.boolean(),
  created_at: z.string(),
  /** Present (true) only on the stream of a user who blocks the sender (issue 21), as on their copy of the message. */
  sender_blocked: z.literal(true).optional(),
});
export type MessagePreview = z.infer<typeof messagePreviewSchema>;

export const DEVICE_EVENT_KINDS = ["conversation", "read", "membership", "details", "call", "keys", "devices"] as const;

export const deviceEventSchema = z.discriminatedUnion("kind", [
  /** Something in a conversation changed: its newest state, coalesced per conversation. */
  z.object({
    kind: z.literal("conversation"),
    conversation_id: idSchema,
    change: z.enum(["message", "edit", "delete", "reaction"]),
    last_seq: z.number().int().nonnegative(),
    last_message: messagePreviewSchema.nullable(),
    /** The user's own read watermark there (unread = last_seq − last_read_seq). */
    last_read_seq: z.number().int().nonnegative(),
  }),
  /** The user read up to `seq` on one of their devices (clears the badge on the others). */
  z.object({ kind: z.literal("read"), conversation_id: idSchema, seq: z.number().int().nonnegative() }),
  z.object({
    kind: z.literal("membership"),
    conversation_id: idSchema,
    change: z.enum(["added", "removed", "role_changed"]),
    role: MemberRoleSchema.nullable(),
  }),
  /**
   * A conversation's details changed: `name` (a rename, to every member's every device, so a resume
   * replays it) or `members` (someone else was added, removed or changed role: to the members'
   * online devices; the member concerned gets `membership`). Carries the name as it is now;
   * coalesced per conversation.
   */
  z.object({
    kind: z.literal("details"),
    conversation_id: idSchema,
    change: z.enum(["name", "members"]),
    name: z.string().nullable(),
  }),
  z.object({
    kind: z.literal("call"),
    event: z.enum(["ringing", "answered_elsewhere", "declined", "ended", "missed"]),
    call: callSummarySchema,
  }),
  z.object({ kind: z.literal("keys"), signal: z.enum(["prekeys_low", "key_packages_low"]), remaining: z.number().int().nonnegative() }),
  /**
   * The user's set of devices changed: `added` (a device is ready for MLS: its first KeyPackage
   * contact in a new session, so it can be claimed), `removed` (signed out, its session revoked, or
   * deleted). To the user's own other signed-in devices only, online or not (a resume replays it),
   * coalesced per device: they are members of every conversation of the user and can add or drop
   * the device's leaf there (client/README.md, "Devices follow the members").
   */
  z.object({ kind: z.literal("devices"), change: z.enum(["added", "removed"]), device_id: z.string().min(1).max(64) }),
]);
export type DeviceEvent = z.infer<typeof deviceEventSchema>;

export const streamEntrySchema = z.object({ pos: streamPositionSchema, at: z.string(), event: deviceEventSchema });
export type StreamEntry = z.infer<typeof streamEntrySchema>;

export const mailboxPayloadSchema = z
  .string()
  .min(1)
  .max(DEVICE_STREAM_LIMITS.maxMailboxPayloadChars)
  .regex(/^[A-Za-z0-9_-]+$/, "base64url");

export const mailboxEntrySchema = z.object({
  id: z.string(),
  from_user_id: z.string(),
  from_device_id: z.string(),
  payload: mailboxPayloadSchema,
  created_at: z.string(),
});
export type MailboxEntry = z.infer<typeof mailboxEntrySchema>;

/** Mailbox entries to delete (they were processed); unknown ids are ignored. The socket's `mailbox_ack` and `POST /v1/devices/me/mailbox/ack`. */
export const mailboxAckSchema = z.object({ ids: z.array(z.string().min(1).max(64)).min(1).max(DEVICE_STREAM_LIMITS.maxAckIds) });

/* ---------- client → server ---------- */

export const deviceClientFrameSchema = z.discriminatedUnion("type", [
  /** Deletes these mailbox entries (they were processed); unknown ids are ignored. */
  z.object({ type: z.literal("mailbox_ack"), ...mailboxAckSchema.shape }).strict(),
  z.object({ type: z.literal("ping") }).strict(),
]);
export type DeviceClientFrame = z.infer<typeof deviceClientFrameSchema>;

/* ---------- server → client ---------- */

export const deviceServerFrameSchema = z.discriminatedUnion("type", [
  /** First frame: the stream position after what this connection replays. */
  z.object({ type: z.literal("hello"), device_id: z.string(), position: streamPositionSchema }),
  /** The resume position is unknown or older than what is kept: reload the lists, then continue from `position`. */
  z.object({ type: z.literal("reset"), position: streamPositionSchema }),
  /** Stream entries in position order (a replay on connect, then live ones as they happen). */
  z.object({ type: z.literal("events"), entries: z.array(streamEntrySchema).min(1) }),
  /** Unacknowledged mailbox entries (all of them on connect, new ones as they arrive). */
  z.object({ type: z.literal("mailbox"), entries: z.array(mailboxEntrySchema).min(1) }),
  z.object({ type: z.literal("pong") }),
  z.object({ type: z.literal("error"), code: errorCodeSchema, message: z.string() }),
]);
export type DeviceServerFrame = z.infer<typeof deviceServerFrameSchema>;

/* ---------- HTTP ---------- */

/** `POST /v1/devices/{device_id}/mailbox`: an opaque payload for another device (the user's own or someone else's). */
export const postMailboxSchema = z.object({ payload: mailboxPayloadSchema });
export const mailboxPostedSchema = z.object({ id: z.string() });
/** `GET /v1/devices/me/mailbox` (clients without a socket): the oldest unacknowledged entries, up to `maxAckIds` (one ack clears a page). */
export const mailboxListSchema = z.object({ entries: z.array(mailboxEntrySchema), has_more: z.boolean() });
export type MailboxList = z.infer<typeof mailboxListSchema>;
/** `GET /v1/ws/events?since=` (also `ticket=`): the position to resume after; absent = from now, with the mailbox. */
export const deviceStreamQuerySchema = z.object({
  since: z
    .string()
    .regex(/^\d{1,15}$/)
    .optional(),
});
