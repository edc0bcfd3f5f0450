/**
 * Producing email jobs: auth never sends mail inline, it puts a job on the EMAIL queue and the
 * consumer (src/email/) delivers it. The idempotency key is derived from the token's hash, so a
 * redelivered message is recognised without the key revealing the token.
 */
import { emailJobSchema, type EmailJob } from "../../../lib/contracts/queues";
import { describeError, log } from "../../../lib/log";

export interface EmailTokenJob {
  kind: EmailJob["kind"];
  to: string;
  username: string;
  token: string;
  tokenHash: string;
  requestId: string;
}

/**
 * Queues the email. A queue outage does not fail the request that caused it (the account exists
 * and `resend-verification` / `forgot-password` can be retried); it is logged instead.
 */
export async function enqueueEmail(env: AuthEnv, job: EmailTokenJob): Promise<void> {
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
