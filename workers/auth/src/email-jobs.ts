/**
 * Producing email jobs: auth never sends mail inline, it puts a job on the EMAIL queue and the
 * consumer (src/email/) delivers it. The idempotency key is derived from the token's hash, so a
 * redelivered message is recognised without the key revealing the token.
 */
import { emailJobSchema, type EmailJob } from "../../../lib/contracts/queues";
import { AppError } from "../../../lib/errors";
import { describeError, log } from "../../../lib/log";
import { emailConfigured } from "./email/config";

/**
 * For endpoints whose whole point is an email (forgot-password, resend-verification): without a
 * configured provider in production they answer 503 rather than queue mail nobody will send.
 */
export function requireEmailDelivery(env: AuthEnv): void {
  if (!emailConfigured(env)) throw new AppError("SERVICE_UNAVAILABLE", "Email delivery is not configured.");
}

export interface EmailTokenJob {
  kind: Exclude<EmailJob["kind"], "data_export_ready">;
  to: string;
  username: string;
  token: string;
  tokenHash: string;
  requestId: string;
}

/**
 * Queues the email. A queue outage, or (production) a missing email provider, does not fail the
 * request that caused it: the account exists and `resend-verification` can be retried once mail
 * works. Both are logged instead.
 */
export async function enqueueEmail(env: AuthEnv, job: EmailTokenJob): Promise<void> {
  if (!emailConfigured(env)) {
    log({ event: "config_missing", feature: "email", missing: ["SMTP settings"], request_id: job.requestId }, "warn");
    return;
  }
  const body = emailJobSchema.parse({
    kind: job.kind,
    to: job.to,
    username: job.username,
    token: job.token,
    idempotency_key: `${job.kind}:${job.tokenHash}`,
    request_id: job.requestId,
  });
  try {
    await env.EMAIL_QUEUE.send(body, { contentType: "json" });
    log({ event: "auth_email_queued", kind: job.kind, request_id: job.requestId });
  } catch (err) {
    log({ event: "unhandled_error", where: "auth.enqueueEmail", error: describeError(err), request_id: job.requestId }, "error");
  }
}
