import * as z from "zod";

/**
 * The E2EE key directory (`/v1/keys`). The server stores public keys only, as the client encoded
 * them (base64 or base64url); it never decodes or verifies them, it only bounds their size.
 */
export const KEY_LIMITS = {
  /** Curve25519/Ed25519/P-256 public keys are 32–65 bytes (≤ 88 base64 chars); 256 leaves room. */
  publicKeyMaxChars: 256,
  /** An Ed25519/XEdDSA signature is 64 bytes (88 base64 chars). */
  signatureMaxChars: 256,
  /** Key ids are stored as a 32-bit signed integer on Postgres. */
  maxKeyId: 2_147_483_647,
  prekeysPerUpload: 200,
  /** Stored unclaimed one-time prekeys per device: bounds what one account can make us store. */
  prekeysPerDevice: 1000,
  /** Key devices per user: a bundle fetch claims one prekey per device, so this bounds its work. */
  devicesPerUser: 20,
  /** Fewer unclaimed one-time prekeys than this after a claim tells the owner to upload more. */
  lowWatermark: 10,
} as const;

/** True for base64 (`+/`) or base64url (`-_`) text, padded or not, of a length some bytes encode to. */
export function isBase64Text(value: string): boolean {
  if (!/^(?:[A-Za-z0-9+/]+|[A-Za-z0-9_-]+)={0,2}$/.test(value)) return false;
  const body = value.replace(/=+$/, "");
  const padding = value.length - body.length;
  if (body.length % 4 === 1) return false;
  return padding === 0 || value.length % 4 === 0;
}

const base64Key = (maxChars: number) => z.string().min(1).max(maxChars).refine(isBase64Text, "must be base64 or base64url text");

/** Client-chosen device identifier (the app's E2EE device, not a push registration). */
export const keyDeviceIdSchema = z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, "1 to 128 letters, digits, '.', '_', ':' or '-'");
export type KeyDeviceId = z.infer<typeof keyDeviceIdSchema>;

/** User ids are UUIDv7 today; any opaque id of this alphabet is accepted and simply not found. */
export const keyUserIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "not a user id");

export const keyIdSchema = z.number().int().min(0).max(KEY_LIMITS.maxKeyId);
export const publicKeySchema = base64Key(KEY_LIMITS.publicKeyMaxChars);

export const signedPrekeySchema = z
  .object({ key_id: keyIdSchema, public_key: publicKeySchema, signature: base64Key(KEY_LIMITS.signatureMaxChars) })
  .meta({ id: "SignedPrekey" });
export type SignedPrekeyView = z.infer<typeof signedPrekeySchema>;

export const oneTimePrekeySchema = z.object({ key_id: keyIdSchema, public_key: publicKeySchema }).meta({ id: "OneTimePrekey" });
export type OneTimePrekeyView = z.infer<typeof oneTimePrekeySchema>;

/** `PUT /v1/keys`. `one_time_prekeys` may be omitted (e.g. a signed-prekey rotation). */
export const keyUploadSchema = z
  .object({
    device_id: keyDeviceIdSchema,
    identity_key: publicKeySchema,
    signed_prekey: signedPrekeySchema,
    one_time_prekeys: z.array(oneTimePrekeySchema).max(KEY_LIMITS.prekeysPerUpload).default([]),
  })
  .superRefine((upload, ctx) => {
    const seen = new Set<number>();
    upload.one_time_prekeys.forEach((key, index) => {
      if (seen.has(key.key_id)) {
        ctx.addIssue({ code: "custom", path: ["one_time_prekeys", index, "key_id"], message: "duplicate key_id in this upload" });
      }
      seen.add(key.key_id);
    });
  })
  .meta({ id: "KeyUpload" });
export type KeyUpload = z.infer<typeof keyUploadSchema>;

export const prekeyCountQuerySchema = z.object({ device_id: keyDeviceIdSchema });

/** `GET /v1/keys/count`: `prekeys_low` is true below the low watermark (upload more). */
export const prekeyCountSchema = z.object({ one_time_prekeys: z.number().int().nonnegative(), prekeys_low: z.boolean() }).meta({ id: "PrekeyCount" });
export type PrekeyCount = z.infer<typeof prekeyCountSchema>;

export const keyBundleParamsSchema = z.object({ user_id: keyUserIdSchema });
export const keyBundleQuerySchema = z.object({ device_id: keyDeviceIdSchema.optional() });

/** What a sender needs to start a session with one device; `one_time_prekey` null = none left. */
export const deviceKeyBundleSchema = z
  .object({
    device_id: z.string(),
    identity_key: z.string(),
    signed_prekey: signedPrekeySchema,
    // A union, not `.nullable()`: on a named schema the latter is documented as allOf [$ref, null], which no value matches.
    one_time_prekey: z.union([oneTimePrekeySchema, z.null()]),
  })
  .meta({ id: "DeviceKeyBundle" });
export type DeviceKeyBundle = z.infer<typeof deviceKeyBundleSchema>;

export const keyBundleSchema = z.object({ devices: z.array(deviceKeyBundleSchema) }).meta({ id: "KeyBundle" });
export type KeyBundle = z.infer<typeof keyBundleSchema>;

/** RPC input of `ChatService.fetchKeyBundle`. */
export const keyBundleRequestSchema = z.object({ user_id: keyUserIdSchema, device_id: keyDeviceIdSchema.optional() });
export type KeyBundleRequest = z.infer<typeof keyBundleRequestSchema>;
