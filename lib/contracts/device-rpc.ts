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

/* ---------- outputs ---------- */

export type MailboxPosted = z.infer<typeof mailboxPostedSchema>;
export type MailboxPage = z.infer<typeof mailboxListSchema>;

/** PresenceRoom.onlineDevices: per user, the devices with their event stream open (users without any are left out). */
export const onlineDevicesSchema = z.object({ user_id: z.string(), device_ids: z.array(z.string()) });
export type OnlineDevices = z.infer<typeof onlineDevicesSchema>;
