/**
 * The ACCOUNT queue consumer: erasure steps of deleted accounts and data exports (./README.md).
 * Per message: validate (poison → DLQ), run the step, enqueue what follows it, then ack; a step
 * that fails is retried with backoff (every step is idempotent) until max_retries sends it to the
 * DLQ. A job for an account that is not (yet) deleted waits a few attempts, then is dropped: the
 * deletion that queued it did not happen.
 */
import { accountJobSchema, type AccountJob } from "../../../../lib/contracts/queues";
import { assertNever } from "../../../../lib/assert-never";
import { getDb, type Database } from "../../../../lib/db";
import { describeError, log } from "../../../../lib/log";
import { backoffSeconds, deadLetter, recordOutcome } from "../../../../lib/queue-delivery";
import { eraseAccountStep, eraseRoomStep, type NextJob } from "./erasure";
import { buildExport } from "./export-archive";

/** Attempts a job for a not-deleted account gets before it is dropped (the deletion's own write lands within them). */
const NOT_DELETED_ATTEMPTS = 4;
/** The queue this consumes (wrangler.toml); the chat worker also consumes PUSH. */
export const ACCOUNT_QUEUE_NAME = "secureconnect-account";
/** The consumer's max_retries (wrangler.toml): the attempt after which a failing export is marked failed. */
const EXPORT_FINAL_ATTEMPT = 10;

export async function consumeAccountBatch(batch: MessageBatch<unknown>, env: ChatEnv): Promise<void> {
  let db: Database;
  try {
    db = await getDb(env);
  } catch (err) {
    log({ event: "unhandled_error", where: "account.getDb", error: describeError(err) }, "error");
    for (const message of batch.messages) message.retry({ delaySeconds: backoffSeconds(message.attempts) });
    return;
  }
  try {
    // Sequential: each step already fans out to rooms and storage; a batch is at most 10 messages.
    for (const message of batch.messages) await consumeOne(message, env, db);
  } finally {
    await db.close().catch(() => undefined);
  }
}

async function consumeOne(message: Message<unknown>, env: ChatEnv, db: Database): Promise<void> {
  const parsed = accountJobSchema.safeParse(message.body);
  if (!parsed.success) {
    await deadLetter(message, env.ACCOUNT_DLQ, env.METRICS, "account", "validation");
    return;
  }
  const job = parsed.data;
  const outcome = { queue: "account" as const, kind: job.kind === "erase_account" ? `erase_${job.step}` : job.kind, requestId: job.request_id };
  try {
    if (job.kind !== "export_account" && !(await db.accounts.isDeleted(job.user_id))) {
      if (message.attempts < NOT_DELETED_ATTEMPTS) {
        message.retry({ delaySeconds: backoffSeconds(message.attempts) });
        recordOutcome(env.METRICS, { ...outcome, outcome: "retry", reason: "not_deleted" });
      } else {
        message.ack();
        recordOutcome(env.METRICS, { ...outcome, outcome: "dropped", reason: "not_deleted" });
      }
      return;
    }
    const next = await run(env, db, job);
    if (next.length > 0) await enqueue(env, next);
    message.ack();
    recordOutcome(env.METRICS, { ...outcome, outcome: "sent" });
  } catch (err) {
    log({ event: "unhandled_error", where: `account.${job.kind}`, error: describeError(err), request_id: job.request_id }, "error");
    if (job.kind === "export_account" && message.attempts >= EXPORT_FINAL_ATTEMPT) {
      // Its last try: say so, so the user may ask again at once instead of waiting a day.
      await db.exports.markFailed(job.user_id, job.export_id).catch(() => null);
      log({ event: "account_export", user_id: job.user_id, export_id: job.export_id, outcome: "failed", request_id: job.request_id }, "error");
    }
    message.retry({ delaySeconds: backoffSeconds(message.attempts) });
    recordOutcome(env.METRICS, { ...outcome, outcome: "retry", reason: "step_failed" });
  }
}

async function run(env: ChatEnv, db: Database, job: AccountJob): Promise<NextJob[]> {
  switch (job.kind) {
    case "erase_account":
      return eraseAccountStep(env, db, job);
    case "erase_room":
      return eraseRoomStep(env, db, job);
    case "export_account":
      await buildExport(env, db, job);
      return [];
    default:
      return assertNever(job);
  }
}

/** Queues takes at most 100 messages per sendBatch; a step answers at most CONVERSATIONS_PER_STEP + 1. */
async function enqueue(env: ChatEnv, jobs: NextJob[]): Promise<void> {
  for (let i = 0; i < jobs.length; i += 100) {
    await env.ACCOUNT_QUEUE.sendBatch(
      jobs.slice(i, i + 100).map((job) => ({
        body: accountJobSchema.parse(job.body),
        contentType: "json" as const,
        ...(job.delaySeconds !== undefined ? { delaySeconds: job.delaySeconds } : {}),
      })),
    );
  }
}
