import * as z from "zod";
import { deviceIdSchema, deviceNameSchema, displayNameSchema, PlatformSchema, userSchema, usernameSchema } from "./users";

/** What an emailed token is for (the `email_tokens.purpose` column). */
// Tuples (not zod `.options`, which widens to string[]) so the tables' Drizzle enum columns keep literal types.
export const EMAIL_TOKEN_PURPOSES = ["verify", "reset"] as const;
export const EmailTokenPurposeSchema = z.enum(EMAIL_TOKEN_PURPOSES);
export type EmailTokenPurpose = z.infer<typeof EmailTokenPurposeSchema>;

/** The password policy: 8 to 256 characters (the upper bound keeps hashing cost bounded). */
export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 256;
export const passwordSchema = z.string().min(PASSWORD_MIN).max(PASSWORD_MAX);
export const emailSchema = z.email().max(254);
/** Opaque tokens we hand out (refresh, email, ticket) are 43 characters; anything far longer is junk. */
export const opaqueTokenSchema = z.string().min(1).max(512);

/**
 * The device signing in (register, login): `device_id` re-signs-in on a device the user already has
 * (another user's or an unknown id gets a new device, never an error); `platform` defaults to "web".
 */
const deviceSignInFields = {
  device_id: deviceIdSchema.optional(),
  platform: PlatformSchema.optional(),
  device_name: deviceNameSchema.optional(),
};
export const deviceSignInSchema = z.object(deviceSignInFields);
export type DeviceSignIn = z.infer<typeof deviceSignInSchema>;

export const registerSchema = z.object({
  email: emailSchema,
  username: usernameSchema,
  password: passwordSchema,
  display_name: displayNameSchema.optional(),
  ...deviceSignInFields,
});
export type RegisterInput = z.infer<typeof registerSchema>;

/** Login does not re-apply the password policy: a wrong password is INVALID_CREDENTIALS, not 400. */
export const loginSchema = z.object({
  email: z.string().min(1).max(254),
  password: z.string().min(1).max(PASSWORD_MAX),
  ...deviceSignInFields,
});
export type LoginInput = z.infer<typeof loginSchema>;

export const refreshSchema = z.object({ refresh_token: opaqueTokenSchema });
export const verifyEmailSchema = z.object({ token: opaqueTokenSchema });
export const forgotPasswordSchema = z.object({ email: z.string().min(1).max(254) });
export const resetPasswordSchema = z.object({ token: opaqueTokenSchema, new_password: passwordSchema });
export type ResetPasswordInput = z.infer<typeof resetPasswordSchema>;

/** What register, login and refresh answer. */
export const tokenPairSchema = z
  .object({
    user: userSchema,
    access_token: z.string(),
    refresh_token: z.string(),
    token_type: z.literal("Bearer"),
    /** Seconds until the access token expires. */
    expires_in: z.number().int(),
    /**
     * The device this session is bound to: send it as `device_id` on the next sign-in from this device.
     * This server always sends it; optional so clients typed from this schema still accept older servers.
     */
    device_id: z.string().optional(),
  })
  .meta({ id: "TokenPair" });
export type TokenPair = z.infer<typeof tokenPairSchema>;

/** Who is calling, for the session record (the IP comes from the RPC context). */
export const clientMetaSchema = z.object({ user_agent: z.string().max(512).optional() });
export type ClientMeta = z.infer<typeof clientMetaSchema>;

export const sessionSchema = z
  .object({
    id: z.string(),
    created_at: z.string(),
    last_used_at: z.string(),
    expires_at: z.string(),
    user_agent: z.string().nullable(),
    /** True for the session of the access token that asked. */
    current: z.boolean(),
  })
  .meta({ id: "Session" });
export type SessionView = z.infer<typeof sessionSchema>;
export const sessionListSchema = z.object({ sessions: z.array(sessionSchema) });
export const sessionIdSchema = z.string().min(1).max(64);

export const verifyEmailResultSchema = z.object({ user: userSchema });
export const acceptedSchema = z.object({ status: z.literal("accepted") });
export const resetPasswordResultSchema = z.object({ status: z.literal("password_reset") });

export const wsTicketSchema = z.object({ ticket: z.string(), expires_in: z.number().int() });
export type WsTicketView = z.infer<typeof wsTicketSchema>;
/** `?ticket=` of a socket upgrade, as the gateway accepts it (the auth worker then checks it). */
export const wsTicketParamSchema = z.string().max(256);

/**
 * Cookie mode for browsers (`X-Session-Mode: cookie` on register, login, refresh and logout): the
 * refresh token travels only in an HttpOnly cookie the gateway sets, so it never reaches script;
 * the answer is the token pair without it, plus the CSRF token the next cookie-mode refresh and
 * logout must send as `X-CSRF-Token` (it rotates with the cookie).
 */
export const SESSION_MODE_HEADER = "X-Session-Mode";
export const CSRF_TOKEN_HEADER = "X-CSRF-Token";
export const sessionModeHeadersSchema = z.object({
  "x-session-mode": z.literal("cookie").optional().meta({ description: "cookie: the refresh token goes in an HttpOnly cookie (browsers), not in the body." }),
  "x-csrf-token": z.string().max(128).optional().meta({ description: "Cookie mode, refresh and logout: the csrf_token of the last answer." }),
});
export const cookieSessionSchema = tokenPairSchema
  .omit({ refresh_token: true })
  .extend({
    session_mode: z.literal("cookie"),
    /** Send as X-CSRF-Token on the next cookie-mode refresh or logout. */
    csrf_token: z.string(),
  })
  .meta({ id: "CookieSession" });
export type CookieSession = z.infer<typeof cookieSessionSchema>;
/** What register, login and refresh answer: the pair (bearer mode) or the cookie session. */
export const signInAnswerSchema = z.union([tokenPairSchema, cookieSessionSchema]);
export type SignInAnswer = z.infer<typeof signInAnswerSchema>;
