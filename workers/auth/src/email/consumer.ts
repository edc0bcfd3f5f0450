/**
 * The EMAIL queue consumer. Per message: validate (poison → DLQ), skip if already sent
 * (idempotency marker), render, deliver (SMTP or dev mailbox), mark sent, ack. Transient failures
 * are retried with backoff until max_retries routes them to the DLQ; a recipient the relay refuses
 * for good (5xx) is dropped with a log line.
 */
import { emailJobSchema, type EmailJob } from "../../../../lib/contracts/queues";
import { sha256Hex } from "../../../../lib/ids";
import { describeError, log } from "../../../../lib/log";
import { alreadySent, backoffSeconds, deadLetter, markSent, recordOutcome } from "../../../../lib/queue-delivery";
import { emailSink, type EmailEnv, type EmailSink } from "./config";
import { storeInMailbox } from "./mailbox";
import { buildMime } from "./mime";
import { sendMail, SmtpError } from "./smtp-client";
import { renderEmail } from "./templates";

export type EmailConsumerEnv = EmailEnv & Pick<AuthEnv, "KV" | "EMAIL_DLQ" | "METRICS"> & Partial<Pick<AuthEnv, "APP_URL">>;

export async function consumeEmailBatch(batch: MessageBatch<unknown>, env: EmailConsumerEnv): Promise<void> {
  const sink = emailSink(env);
  if (sink.kind === "unconfigured") log({ event: "config_missing", feature: "email", missing: sink.missing }, "error");
  // Sequential on purpose: one SMTP session at a time stays far below the socket limit and the
  // relay's per-client rate limits; a batch is at most max_batch_size (25) small messages.
  for (const message of batch.messages) {
    await consumeOne(message, env, sink);
  }
}

async function consumeOne(message: Message<unknown>, env: EmailConsumerEnv, sink: EmailSink): Promise<void> {
  const parsed = emailJobSchema.safeParse(message.body);
  if (!parsed.success) {
    await deadLetter(message, env.EMAIL_DLQ, env.METRICS, "email", "validation");
    return;
  }
  const job = parsed.data;
  const outcome = { queue: "email" as const, kind: job.kind, requestId: job.request_id };
  try {
    if (await alreadySent(env.KV, job.idempotency_key)) {
      message.ack();
      recordOutcome(env.METRICS, { ...outcome, outcome: "duplicate" });
      return;
    }
    if (sink.kind === "unconfigured") {
      // No fallback: keep the job (a deploy with the missing secrets delivers it), DLQ after max_retries.
      message.retry({ delaySeconds: backoffSeconds(message.attempts) });
      recordOutcome(env.METRICS, { ...outcome, outcome: "retry", reason: "not_configured" });
      return;
    }
    await deliver(job, env, sink);
  } catch (err) {
    if (err instanceof SmtpError && err.permanent) {
      message.ack();
      recordOutcome(env.METRICS, { ...outcome, outcome: "dropped", reason: `smtp_${err.stage}_${err.code ?? 0}` });
      return;
    }
    message.retry({ delaySeconds: backoffSeconds(message.attempts) });
    const reason = err instanceof SmtpError ? `smtp_${err.stage}_${err.code ?? 0}` : "unexpected";
    if (!(err instanceof SmtpError)) log({ event: "unhandled_error", where: "email.consume", error: describeError(err), request_id: job.request_id }, "error");
    recordOutcome(env.METRICS, { ...outcome, outcome: "retry", reason });
    return;
  }
  // Delivered: the marker write failing must not cause a second delivery, so it cannot retry.
  await markSent(env.KV, job.idempotency_key).catch((err: unknown) =>
    log({ event: "unhandled_error", where: "email.markSent", error: describeError(err), request_id: job.request_id }, "error"),
  );
  message.ack();
  recordOutcome(env.METRICS, { ...outcome, outcome: sink.kind === "smtp" ? "sent" : "dev_sink" });
}

async function deliver(job: EmailJob, env: EmailConsumerEnv, sink: Exclude<EmailSink, { kind: "unconfigured" }>): Promise<void> {
  const email = renderEmail(job, env.APP_URL);
  if (sink.kind === "dev_mailbox") {
    await storeInMailbox(env.KV, { kind: job.kind, to: job.to, from: "SecureConnect (dev mailbox)", email });
    return;
  }
  const data = buildMime({
    from: sink.smtp.from,
    fromAddress: sink.smtp.fromAddress,
    to: job.to,
    email,
    // A hash of the idempotency key: stable across retries, reveals nothing about the job.
    messageId: (await sha256Hex(job.idempotency_key)).slice(0, 32),
  });
  await sendMail(sink.smtp, { to: job.to, data });
}
