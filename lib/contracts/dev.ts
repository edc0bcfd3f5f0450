import * as z from "zod";

/**
 * The development-only sinks of the notification consumers (GET /dev/mailbox, GET /dev/push-outbox).
 * Both are filled by the real queue consumers; neither exists in production.
 */
export const mailboxQuerySchema = z.object({ to: z.email().max(254) });
export type MailboxQuery = z.infer<typeof mailboxQuerySchema>;

export const mailboxMessageSchema = z
  .object({
    id: z.string(),
    kind: z.string().meta({ description: "verify_email or password_reset" }),
    to: z.string(),
    from: z.string(),
    subject: z.string(),
    body: z.string().meta({ description: 'The text part; the verification or reset token is on its "Code: <token>" line.' }),
    html: z.string(),
    created_at: z.string(),
  })
  .meta({ id: "DevMailboxMessage" });
export type MailboxMessage = z.infer<typeof mailboxMessageSchema>;

export const mailboxListSchema = z.object({ messages: z.array(mailboxMessageSchema) });
export type MailboxList = z.infer<typeof mailboxListSchema>;

export const pushOutboxQuerySchema = z.object({ user_id: z.string().min(1).max(64) });
export type PushOutboxQuery = z.infer<typeof pushOutboxQuerySchema>;

export const outboxMessageSchema = z
  .object({
    device_id: z.string(),
    push_token: z.string(),
    data: z.record(z.string(), z.string()).meta({ description: "The FCM data payload: ids only, never message content." }),
    notification: z.object({ title: z.string(), body: z.string() }).optional(),
    created_at: z.string(),
  })
  .meta({ id: "DevPushOutboxMessage" });
export type OutboxMessage = z.infer<typeof outboxMessageSchema>;

export const outboxListSchema = z.object({ messages: z.array(outboxMessageSchema) });
export type OutboxList = z.infer<typeof outboxListSchema>;
