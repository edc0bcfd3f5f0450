import * as z from "zod";

/**
 * MLS (RFC 9420) on the server: the KeyPackage directory (one per device, in its DeviceRoom) and the
 * delivery-service rules of encrypted rooms (ConversationRoom). The server never parses MLS: it
 * stores and orders opaque base64url bytes, and gates handshake messages by the epoch the client
 * declares. Documented in workers/chat/README.md ("End-to-end encryption (MLS)").
 */

export const MLS_LIMITS = {
  /** One encoded KeyPackage (≈440 bytes with X25519/Ed25519 and a basic credential); generous for long credentials. */
  maxKeyPackageBytes: 4 * 1024,
  /** KeyPackages in one upload (the last-resort one not counted). */
  keyPackagesPerUpload: 100,
  /** Unclaimed KeyPackages one device holds (the last-resort one not counted): bounds what one account makes us store. */
  keyPackagesPerDevice: 200,
  /** Fewer unclaimed KeyPackages than this (after a claim, or on count) is `key_packages_low`: upload more. */
  lowWatermark: 10,
  /** Users in one claim (as many as one add-members call). */
  claimUsersPerCall: 100,
  /** Devices per user a claim reaches and a group's device list names: the most recently seen ones. */
  devicesPerUser: 20,
  /** `device_ids` in one claim (every device of every user of a full claim). */
  claimDevicesPerCall: 2_000,
  /** A commit or proposal (`ciphertext` of an mls/commit or mls/proposal message), in bytes of its text. */
  maxHandshakeBytes: 256 * 1024,
  /** The GroupInfo a commit may carry for External Commits (with its ratchet tree), in characters. */
  maxGroupInfoChars: 256 * 1024,
} as const;

/** Characters of unpadded base64url that encode `bytes` bytes. */
export const base64urlChars = (bytes: number): number => Math.ceil((bytes * 4) / 3);

/** Unpadded base64url (RFC 4648 §5) of some bytes: no `=`, no `+/`, not a length no byte string encodes to. */
export function isBase64url(value: string): boolean {
  return /^[A-Za-z0-9_-]+$/.test(value) && value.length % 4 !== 1;
}

const base64url = (maxChars: number) => z.string().min(1).max(maxChars).refine(isBase64url, "must be unpadded base64url");

/* ---------- encryption of a conversation ---------- */

export const CONVERSATION_ENCRYPTIONS = ["none", "mls"] as const;
/**
 * Fixed at creation. `none` (the server's default, API.md's body-based contract): `body` or
 * `ciphertext`, no MLS rules. `mls`: `ciphertext` only (a `body` is 400 VALIDATION_ERROR), every
 * message one of MLS_CONTENT_TYPES, commits gated by epoch.
 */
export const conversationEncryptionSchema = z.enum(CONVERSATION_ENCRYPTIONS);
export type ConversationEncryption = z.infer<typeof conversationEncryptionSchema>;

/**
 * The content types of an `mls` room (and only of one: a `none` room refuses them). An omitted
 * content_type in an `mls` room is `mls/application`. What the message really is (text, image,
 * reaction, edit, reply) is inside the ciphertext.
 */
export const MLS_CONTENT_TYPES = {
  /** An MLSMessage with a PrivateMessage of application data. Not gated by epoch. */
  application: "mls/application",
  /** An MLSMessage with a Commit (also an External Commit). Stored only for the room's current epoch, which it then advances by 1. */
  commit: "mls/commit",
  /** An MLSMessage with a standalone Proposal. Stored only for the room's current epoch; does not advance it. */
  proposal: "mls/proposal",
} as const;
export const mlsContentTypeSchema = z.enum([MLS_CONTENT_TYPES.application, MLS_CONTENT_TYPES.commit, MLS_CONTENT_TYPES.proposal]);
export type MlsContentType = z.infer<typeof mlsContentTypeSchema>;
export const isHandshake = (contentType: string): boolean => contentType === MLS_CONTENT_TYPES.commit || contentType === MLS_CONTENT_TYPES.proposal;

/** An MLS epoch (u64 in the protocol; a group would need 2^53 commits to pass this). A new group starts at 0. */
export const mlsEpochSchema = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

/**
 * The MLS fields of a send (`POST .../messages`, the socket's `send` frame), beside client_id,
 * content_type and ciphertext:
 * - `epoch`: the epoch the message was made in; required for mls/commit and mls/proposal, optional
 *   (stored, shown, never checked) for mls/application; refused in a `none` room.
 * - `group_info`: only on an mls/commit: the GroupInfo of the epoch the commit creates (with the
 *   external_pub extension and the ratchet tree), kept by the room for devices that rejoin by External
 *   Commit. Every accepted commit replaces the kept one (one without `group_info` clears it, so what
 *   is kept is always of the room's current epoch).
 */
export const mlsSendFieldsSchema = z.object({
  epoch: mlsEpochSchema.optional(),
  group_info: base64url(MLS_LIMITS.maxGroupInfoChars).optional(),
});

/**
 * `GET /v1/conversations/{id}/mls` (members of an `mls` conversation): the room's current epoch and
 * the GroupInfo of that epoch when the commit that made it carried one (else null), for a device that
 * rejoins by External Commit.
 */
export const mlsGroupViewSchema = z
  .object({ epoch: mlsEpochSchema, group_info: z.string().nullable(), updated_at: z.string().nullable() })
  .meta({ id: "MlsGroup" });
export type MlsGroupView = z.infer<typeof mlsGroupViewSchema>;
export const mlsGroupEnvelopeSchema = z.object({ mls_group: mlsGroupViewSchema });

/**
 * `GET /v1/conversations/{id}/mls/devices` (members of an `mls` conversation): the devices that must
 * be leaves of the conversation's group, by the server's member list: every signed-in device (a
 * session neither revoked nor expired) of every current member, the most recently seen
 * MLS_LIMITS.devicesPerUser of each. A client compares it with the group's leaves and commits the
 * difference: it adds the devices missing from the group and removes leaves that are not listed (a
 * deleted or signed-out device, a user who left). Grouped by user, newest device first.
 */
export const mlsDeviceSchema = z.object({ user_id: z.string(), device_id: z.string() }).meta({ id: "MlsDevice" });
export type MlsDevice = z.infer<typeof mlsDeviceSchema>;
export const mlsDeviceListSchema = z.object({ devices: z.array(mlsDeviceSchema) }).meta({ id: "MlsDeviceList" });
export type MlsDeviceList = z.infer<typeof mlsDeviceListSchema>;

/* ---------- the KeyPackage directory ---------- */

/** One encoded KeyPackage (the MLSMessage or bare KeyPackage bytes, as the SDK chooses), unpadded base64url. */
export const keyPackageSchema = base64url(base64urlChars(MLS_LIMITS.maxKeyPackageBytes));

/**
 * `POST /v1/devices/me/key-packages`: KeyPackages for the caller's own device (the device of the
 * access token). Adds to what the device holds; the same package again is ignored (idempotent
 * retries). `last_resort` replaces the device's last-resort package. `replace: true` first deletes
 * every unclaimed package the device holds, the last-resort one included (a device that lost its
 * private keys: rejoin). Duplicates inside one upload are a 400.
 */
export const keyPackageUploadSchema = z
  .object({
    key_packages: z.array(keyPackageSchema).max(MLS_LIMITS.keyPackagesPerUpload).default([]),
    last_resort: keyPackageSchema.optional(),
    replace: z.boolean().default(false),
  })
  // Strict: the device is the token's; a `device_id` here would suggest otherwise.
  .strict()
  .superRefine((upload, ctx) => {
    if (upload.key_packages.length === 0 && upload.last_resort === undefined && !upload.replace) {
      ctx.addIssue({ code: "custom", path: ["key_packages"], message: "at least one KeyPackage, a last_resort one, or replace: true" });
    }
    const seen = new Set<string>();
    upload.key_packages.forEach((kp, index) => {
      if (seen.has(kp) || kp === upload.last_resort)
        ctx.addIssue({ code: "custom", path: ["key_packages", index], message: "duplicate KeyPackage in this upload" });
      seen.add(kp);
    });
  })
  .meta({ id: "KeyPackageUpload" });
export type KeyPackageUpload = z.input<typeof keyPackageUploadSchema>;
export type KeyPackageUploadParsed = z.infer<typeof keyPackageUploadSchema>;

/** The answer of an upload and of `GET /v1/devices/me/key-packages/count`. */
export const keyPackageCountSchema = z
  .object({
    /** Unclaimed KeyPackages, the last-resort one not counted. */
    key_packages: z.number().int().nonnegative(),
    /** Whether the device holds a last-resort package. */
    last_resort: z.boolean(),
    /** `key_packages` is below MLS_LIMITS.lowWatermark: upload more. */
    key_packages_low: z.boolean(),
  })
  .meta({ id: "KeyPackageCount" });
export type KeyPackageCount = z.infer<typeof keyPackageCountSchema>;

/**
 * `POST /v1/mls/key-packages/claim`: one KeyPackage for every device of each user, each handed out
 * once. Allowed for the caller's own user (their other devices; the calling device is skipped) and
 * for users who share a conversation with the caller; anyone else is answered like a user without
 * packages (no entry). Repeated user ids count once. `device_ids` (optional) narrows the claim to
 * those devices of the named users, so adding one new device takes no package from the devices
 * already in the group; ids of other devices are ignored.
 */
export const keyPackageClaimSchema = z
  .object({
    user_ids: z
      .array(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "not a user id"))
      .min(1)
      .max(MLS_LIMITS.claimUsersPerCall),
    device_ids: z
      .array(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "not a device id"))
      .min(1)
      .max(MLS_LIMITS.claimDevicesPerCall)
      .optional(),
  })
  .meta({ id: "KeyPackageClaim" });
export type KeyPackageClaim = z.infer<typeof keyPackageClaimSchema>;

export const claimedKeyPackageSchema = z
  .object({
    user_id: z.string(),
    device_id: z.string(),
    key_package: z.string(),
    /** The device's last-resort package: handed out (and kept) because no other was left; it may be handed to others too. */
    last_resort: z.boolean(),
  })
  .meta({ id: "ClaimedKeyPackage" });
export type ClaimedKeyPackage = z.infer<typeof claimedKeyPackageSchema>;

/** One entry per device that had a package, grouped by user in request order; devices with none are left out. */
export const keyPackageClaimResultSchema = z.object({ key_packages: z.array(claimedKeyPackageSchema) }).meta({ id: "KeyPackageClaimResult" });
export type KeyPackageClaimResult = z.infer<typeof keyPackageClaimResultSchema>;

/* ---------- RPC inputs (ChatService → DeviceRoom) ---------- */

/** DeviceRoom.storeKeyPackages: the verified owner and what to store (the service parsed the upload). */
export const storeKeyPackagesInputSchema = z.object({
  userId: z.string().min(1).max(64),
  deviceId: z.string().min(1).max(64),
  /** The caller's session: its first upload or count holding a package announces the device (device-readiness.ts). */
  sessionId: z.string().min(1).max(64).optional(),
  upload: keyPackageUploadSchema,
});
export type StoreKeyPackagesInput = z.input<typeof storeKeyPackagesInputSchema>;

/** DeviceRoom.claimKeyPackage answers one package, or null when the device holds none at all. */
export const deviceClaimSchema = z.object({ key_package: z.string(), last_resort: z.boolean() }).nullable();
export type DeviceClaim = z.infer<typeof deviceClaimSchema>;

/* ---------- the epoch conflict ---------- */

/**
 * A commit or proposal made for another epoch than the room's: 409 CONFLICT whose `details` hold
 * this one entry (`message` is the room's current epoch in decimal digits), and on a socket an
 * `error` frame with `epoch`. The client fetches what it missed (since_seq), applies it, and retries
 * its change at the new epoch (or drops it).
 */
export const epochConflictDetail = (epoch: number): { field: "epoch"; message: string } => ({ field: "epoch", message: String(epoch) });

/** The room's epoch from a 409's details, or null when they are not an epoch conflict. */
export function epochFromConflict(details: readonly { field?: string | undefined; message: string }[] | undefined): number | null {
  const detail = details?.find((d) => d.field === "epoch");
  if (!detail || !/^\d{1,16}$/.test(detail.message)) return null;
  const epoch = Number(detail.message);
  return Number.isSafeInteger(epoch) ? epoch : null;
}
