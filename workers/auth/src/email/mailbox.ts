/**
 * The dev mailbox: where email goes in development and tests when no SMTP relay is configured.
 * Filled by the real EMAIL consumer (same queue path as production), read by GET /dev/mailbox.
 * KV keys sort newest first (inverted timestamp) and expire after a day.
 */
import { mailboxMessageSchema, type MailboxMessage } from "../../../../lib/contracts/dev";
import { newId } from "../../../../lib/ids";
import type { RenderedEmail } from "./templates";

export const MAILBOX_TTL_SECONDS = 24 * 60 * 60;
const MAX_LISTED = 50;
const FAR_FUTURE_MS = 9_999_999_999_999;

function prefixFor(to: string): string {
  return `mailbox:${to.trim().toLowerCase()}:`;
}

export async function storeInMailbox(kv: KVNamespace, input: { kind: string; to: string; from: string; email: RenderedEmail }): Promise<void> {
  const now = Date.now();
  const message: MailboxMessage = {
    id: newId(now),
    kind: input.kind,
    to: input.to,
    from: input.from,
    subject: input.email.subject,
    body: input.email.text,
    html: input.email.html,
    created_at: new Date(now).toISOString(),
  };
  const order = String(FAR_FUTURE_MS - now).padStart(13, "0");
  await kv.put(`${prefixFor(input.to)}${order}:${message.id}`, JSON.stringify(message), { expirationTtl: MAILBOX_TTL_SECONDS });
}

/** Newest first, at most 50. */
export async function listMailbox(kv: KVNamespace, to: string): Promise<MailboxMessage[]> {
  const listed = await kv.list({ prefix: prefixFor(to), limit: MAX_LISTED });
  const values = await Promise.all(listed.keys.map((k) => kv.get(k.name, "json")));
  return values.flatMap((v) => {
    const parsed = mailboxMessageSchema.safeParse(v);
    return parsed.success ? [parsed.data] : [];
  });
}
