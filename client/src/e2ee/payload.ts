import * as z from "zod";

/**
 * What an `mls/application` message carries inside its ciphertext. The server sees none of it: not
 * the kind (text, edit, reaction), the text, the reply target nor the attachments' names and keys.
 * It sees who sent it, when, its size, its seq and the file ids in `attachments` (so members may
 * download the ciphertext). Parsed with this schema after decryption: another member's device is
 * not trusted to send well-formed content.
 */
const seq = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const b64url = z.string().regex(/^[A-Za-z0-9_-]+$/);

/** A file encrypted on the sender's device: AES-256-GCM key and IV, digest of the ciphertext uploaded to storage. */
export const encryptedFileSchema = z.object({
  file_id: z.string().min(1).max(64),
  key: b64url.max(64),
  iv: b64url.max(32),
  sha256: b64url.max(64),
  name: z.string().max(255),
  type: z.string().max(100),
  size: z.number().int().nonnegative(),
});
export type EncryptedFile = z.infer<typeof encryptedFileSchema>;

export const messageContentSchema = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("text"),
    body: z.string().max(64 * 1024),
    reply_to_seq: seq.optional(),
    files: z.array(encryptedFileSchema).max(10).optional(),
  }),
  z.object({
    kind: z.literal("edit"),
    target_seq: seq,
    body: z
      .string()
      .min(1)
      .max(64 * 1024),
  }),
  z.object({ kind: z.literal("reaction"), target_seq: seq, emoji: z.string().min(1).max(32), on: z.boolean() }),
]);
export type MessageContent = z.infer<typeof messageContentSchema>;

/** The plaintext of one application message: the sending device (checked against the room's sender_id) and the content. */
export const applicationPayloadSchema = z.object({
  v: z.literal(1),
  device_id: z.string().min(1).max(128),
  content: messageContentSchema,
});
export type ApplicationPayload = z.infer<typeof applicationPayloadSchema>;

export function parsePayload(text: string): ApplicationPayload | null {
  try {
    const parsed = applicationPayloadSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
