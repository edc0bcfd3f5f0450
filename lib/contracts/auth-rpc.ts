import * as z from "zod";
import { type forgotPasswordSchema, type opaqueTokenSchema, type refreshSchema, sessionIdSchema, type sessionListSchema, type verifyEmailSchema } from "./auth";
import { deviceIdSchema, type deviceCreatedSchema, type deviceListSchema, type publicUserEnvelopeSchema, type userEnvelopeSchema, userIdSchema } from "./users";

/**
 * AuthService's RPC surface beyond the HTTP shapes in ./auth and ./users (which are its inputs
 * as they are): the types of the remaining inputs and outputs, and the gateway's path parameters.
 */

/* ---------- the gateway's path parameters and the JWKS document ---------- */

export const sessionParamsSchema = z.object({ session_id: sessionIdSchema });
export const deviceParamsSchema = z.object({ device_id: deviceIdSchema });
export const userParamsSchema = z.object({ user_id: userIdSchema });

const jwkSchema = z.object({ kty: z.string(), crv: z.string(), x: z.string(), y: z.string(), kid: z.string(), alg: z.string(), use: z.string() }).loose();
export const jwksSchema = z.object({ keys: z.array(jwkSchema) }).meta({ id: "JWKS" });

/* ---------- inputs ---------- */

export type RefreshInput = z.infer<typeof refreshSchema>;
export type VerifyEmailInput = z.infer<typeof verifyEmailSchema>;
export type ForgotPasswordInput = z.infer<typeof forgotPasswordSchema>;
export type SessionId = z.infer<typeof sessionIdSchema>;
/** A single-use WebSocket ticket as the client sent it. */
export type WsTicket = z.infer<typeof opaqueTokenSchema>;
export type UserId = z.infer<typeof userIdSchema>;
export type DeviceId = z.infer<typeof deviceIdSchema>;

/* ---------- outputs ---------- */

/**
 * The caller's devices a revocation left with no live session (signed out): the gateway tells the
 * user's other devices (ChatService.devicesSignedOut), whose MLS groups then drop those leaves.
 */
export const signedOutDevicesSchema = z.object({ signed_out_device_ids: z.array(z.string()) });
/** logout and revokeSession: the session that stopped working, for the gateway's cache, and its device if that signed it out. */
export const revokedSessionSchema = z.object({ session_id: z.string(), ...signedOutDevicesSchema.shape });
export type RevokedSession = z.infer<typeof revokedSessionSchema>;
/** resetPassword: every session of the user ends; the gateway forgets them at once. */
export const revokedSessionsSchema = z.object({ revoked_session_ids: z.array(z.string()) });
export type RevokedSessions = z.infer<typeof revokedSessionsSchema>;
/** deleteDevice: the device's sessions, and the device itself as signed out. */
export const deviceDeletedSchema = revokedSessionsSchema.extend(signedOutDevicesSchema.shape);
export type DeviceDeleted = z.infer<typeof deviceDeletedSchema>;
/** Whose ticket it was, and the device of the session that asked (absent for tokens minted before devices). */
export const ticketOwnerSchema = z.object({ userId: z.string(), deviceId: z.string().optional() });
export type TicketOwner = z.infer<typeof ticketOwnerSchema>;
export type SessionList = z.infer<typeof sessionListSchema>;
export type UserEnvelope = z.infer<typeof userEnvelopeSchema>;
export type PublicUserEnvelope = z.infer<typeof publicUserEnvelopeSchema>;
export type DeviceCreated = z.infer<typeof deviceCreatedSchema>;
export type DeviceList = z.infer<typeof deviceListSchema>;
