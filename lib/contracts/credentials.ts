import * as z from "zod";
import { emailSchema, opaqueTokenSchema, PASSWORD_MAX, passwordSchema } from "./auth";
import { signedOutDevicesSchema } from "./auth-rpc";

/**
 * Changing one's own credentials while signed in (issue 21). The current password is checked like
 * login's (any length up to the cap: a wrong one is 401 INVALID_CREDENTIALS, never 400).
 */
const currentPasswordSchema = z.string().min(1).max(PASSWORD_MAX);

export const changePasswordSchema = z.object({ current_password: currentPasswordSchema, new_password: passwordSchema });
export type ChangePasswordInput = z.infer<typeof changePasswordSchema>;
export const changePasswordResultSchema = z.object({
  status: z.literal("password_changed"),
  /** How many other sessions were signed out (this one stays). */
  revoked_sessions: z.number().int().nonnegative(),
});

export const changeEmailSchema = z.object({ password: currentPasswordSchema, new_email: emailSchema });
export type ChangeEmailInput = z.infer<typeof changeEmailSchema>;

/** The token mailed to the new address (or carried by its link's `#email-change=` fragment). */
export const confirmEmailChangeSchema = z.object({ token: opaqueTokenSchema });
export type ConfirmEmailChangeInput = z.infer<typeof confirmEmailChangeSchema>;

/** changePassword over RPC: the count for the client, the ids for the gateway's session cache, the other devices signed out. */
export const passwordChangedSchema = z.object({ revoked_session_ids: z.array(z.string()), ...signedOutDevicesSchema.shape });
export type PasswordChanged = z.infer<typeof passwordChangedSchema>;
