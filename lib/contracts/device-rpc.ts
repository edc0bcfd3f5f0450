import * as z from "zod";
import { wsTicketParamSchema } from "./auth";
import { idSchema } from "./chat";
import { deviceIdSchema } from "./users";
import { deviceStreamQuerySchema, mailboxAckSchema, type mailboxListSchema, mailboxPayloadSchema, type mailboxPostedSchema } from "./device-stream";

/**
 * ChatService's device-mailbox RPC surface (the HTTP fallback of the device stream, and posting to
 * another device), one schema per input and output as in ./chat-rpc.ts; the service parses inputs
 * again. The wire shapes themselves are in ./device-stream.ts.
 */

/* ---------- the gateway's query ---------- */

/** `GET /v1/ws/events` at the gateway (`POST /v1/devices/{device_id}/mailbox` takes auth-rpc's deviceParamsSchema). */
export const deviceSocketQuerySchema = deviceStreamQuerySchema.extend({ ticket: wsTicketParamSchema.optional() });

/* ---------- inputs ---------- */

/** The sender is the caller's verified user and device (the RPC context), never the body. */
export const postDeviceMailInputSchema = z.object({ deviceId: deviceIdSchema, payload: mailboxPayloadSchema });
export type PostDeviceMailInput = z.infer<typeof postDeviceMailInputSchema>;
export const ackDeviceMailInputSchema = mailboxAckSchema;
/** DeviceRoom.postMail, after the service checked the sender may post to this device. */
export const postMailInputSchema = z.object({ fromUserId: idSchema, fromDeviceId: deviceIdSchema, payload: mailboxPayloadSchema });
export type PostMailInput = z.infer<typeof postMailInputSchema>;
export type AckDeviceMailInput = z.infer<typeof ackDeviceMailInputSchema>;
/** Devices one revocation may name to ChatService.devicesSignedOut (a password change can end many sessions at once). */
export const MAX_SIGNED_OUT_DEVICES = 100;
/**
 * ChatService.devicesSignedOut: devices of the caller's user that a sign-out, revocation or deletion
 * left without a live session (the auth worker's answer, passed on by the gateway); the user's
 * other devices hear of it on their streams.
 */
export const devicesSignedOutInputSchema = z.object({ device_ids: z.array(deviceIdSchema).max(MAX_SIGNED_OUT_DEVICES) });
export type DevicesSignedOutInput = z.infer<typeof devicesSignedOutInputSchema>;

/* ---------- outputs ---------- */

export type MailboxPosted = z.infer<typeof mailboxPostedSchema>;
export type MailboxPage = z.infer<typeof mailboxListSchema>;

/** PresenceRoom.onlineDevices: per user, the devices with their event stream open (users without any are left out). */
export const onlineDevicesSchema = z.object({ user_id: z.string(), device_ids: z.array(z.string()) });
export type OnlineDevices = z.infer<typeof onlineDevicesSchema>;
