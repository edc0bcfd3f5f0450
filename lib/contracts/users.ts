import * as z from "zod";
import { decimalIntegerParam } from "./decimal-param";
import { parseWebPushToken } from "./web-push";

// Tuples (not zod `.options`, which widens to string[]) so the tables' Drizzle enum columns keep literal types.
export const PLATFORMS = ["android", "ios", "web"] as const;
export const PlatformSchema = z.enum(PLATFORMS);
export type Platform = z.infer<typeof PlatformSchema>;

/** Usernames: 3–32 of letters, digits, `_`, `.` and `-`; unique case-insensitively. */
export const usernameSchema = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9_.-]{3,32}$/, "3 to 32 letters, digits, '_', '.' or '-'");
export const displayNameSchema = z.string().trim().min(1).max(64);
export const avatarFileIdSchema = z.string().min(1).max(64);

/** The caller's own account (`GET /v1/users/me`). */
export const userSchema = z
  .object({
    id: z.string(),
    email: z.string(),
    username: z.string(),
    display_name: z.string(),
    avatar_file_id: z.string().nullable(),
    email_verified: z.boolean(),
    created_at: z.string(),
  })
  .meta({ id: "User" });
export type UserView = z.infer<typeof userSchema>;

/**
 * What anyone signed in may see of another user: never the email. A deleted account still answers
 * (its id appears in conversations and calls) as `{username: null, display_name: "Deleted account",
 * deleted: true}`, like Signal's and WhatsApp's "Deleted account"; search never finds one.
 */
export const publicUserSchema = z
  .object({
    id: z.string(),
    username: z.string().nullable(),
    display_name: z.string(),
    avatar_file_id: z.string().nullable(),
    created_at: z.string(),
    deleted: z.boolean(),
  })
  .meta({ id: "PublicUser" });
export type PublicUserView = z.infer<typeof publicUserSchema>;

export const userEnvelopeSchema = z.object({ user: userSchema });
export const publicUserEnvelopeSchema = z.object({ user: publicUserSchema });

/** `PATCH /v1/users/me`: at least one field; `avatar_file_id: null` clears the avatar. */
export const updateMeSchema = z
  .object({
    display_name: displayNameSchema.optional(),
    avatar_file_id: avatarFileIdSchema.nullable().optional(),
  })
  .refine((v) => v.display_name !== undefined || v.avatar_file_id !== undefined, {
    message: "Give display_name or avatar_file_id.",
  });
export type UpdateMeInput = z.infer<typeof updateMeSchema>;

export const userIdSchema = z.string().min(1).max(64);

/** `GET /v1/users?q=&limit=&after=`: username prefix search, keyset-paged by username. */
export const userSearchSchema = z.object({
  q: z.string().trim().min(1).max(32),
  limit: decimalIntegerParam({ min: 1, max: 50 }).default(20),
  /** The `next_after` of the previous page. */
  after: z.string().max(32).optional(),
});
export type UserSearchInput = z.infer<typeof userSearchSchema>;

export const userSearchResultSchema = z.object({
  users: z.array(publicUserSchema),
  has_more: z.boolean(),
  /** Pass as `after` for the next page; absent on the last page. */
  next_after: z.string().optional(),
});
export type UserSearchResult = z.infer<typeof userSearchResultSchema>;

/**
 * `POST /v1/users/me/devices`. Re-registering a known push token moves it to the caller. For
 * `platform: "web"` the token is the JSON text of the browser's `PushSubscription.toJSON()`.
 */
export const registerDeviceSchema = z
  .object({
    platform: PlatformSchema,
    push_token: z.string().min(1).max(4096).meta({
      description: 'An FCM registration token; for platform "web" the JSON text of PushSubscription.toJSON() (https endpoint, keys.p256dh, keys.auth).',
    }),
  })
  .superRefine((body, ctx) => {
    if (body.platform === "web" && parseWebPushToken(body.push_token) === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["push_token"],
        message: "For web: the JSON of a PushSubscription (an https endpoint, a 65-byte p256dh key and a 16-byte auth secret, base64url).",
      });
    }
  });
export type RegisterDeviceInput = z.infer<typeof registerDeviceSchema>;

export const deviceIdSchema = z.string().min(1).max(64);
/** What the user calls a device ("Pixel 8"), shown in the device list. */
export const deviceNameSchema = z.string().trim().min(1).max(64);
export const deviceCreatedSchema = z.object({ device_id: z.string() });

/**
 * A device as its owner sees it: every device a session signed in on, and every push registration.
 * The push token itself is never echoed back.
 */
export const deviceSchema = z
  .object({
    device_id: z.string(),
    platform: PlatformSchema,
    name: z.string().nullable(),
    created_at: z.string(),
    last_seen_at: z.string(),
    has_push_token: z.boolean(),
    /** True for the device of the access token that asked. */
    current: z.boolean(),
  })
  .meta({ id: "Device" });
export type DeviceView = z.infer<typeof deviceSchema>;
export const deviceListSchema = z.object({ devices: z.array(deviceSchema) });
