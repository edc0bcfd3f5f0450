/**
 * The email feature's RPC pieces on AuthService: the dev mailbox reader and the email part of
 * health. Both refuse to expose anything dev-only in production.
 */
import { mailboxQuerySchema, type MailboxList, type MailboxQuery } from "../../../../lib/contracts/dev";
import type { ServiceHealth } from "../../../../lib/contracts/health";
import { isDevelopment } from "../../../../lib/environment";
import { AppError } from "../../../../lib/errors";
import { parseInput } from "../../../../lib/rpc";
import { emailHealth, type EmailEnv } from "./config";
import { listMailbox } from "./mailbox";

/** GET /dev/mailbox: newest first. Does not exist in production (404, as for any unknown route). */
export async function devMailbox(env: EmailEnv & Pick<AuthEnv, "KV">, input: MailboxQuery): Promise<MailboxList> {
  if (!isDevelopment(env)) throw new AppError("NOT_FOUND", "No such route.");
  return { messages: await listMailbox(env.KV, parseInput(mailboxQuerySchema, input).to) };
}

/** The auth worker's health with email delivery folded in: a missing SMTP setting is named. */
export function withEmailHealth(health: ServiceHealth, env: EmailEnv): ServiceHealth {
  const email = emailHealth(env);
  if (email.status === "ok") return health;
  if (health.service.status === "ok") return { ...health, service: email };
  const missing = [...(health.service.missing ?? []), ...(email.missing ?? [])];
  return { ...health, service: { ...health.service, reason: `${health.service.reason ?? "unhealthy"}; ${email.reason ?? ""}`, missing } };
}
