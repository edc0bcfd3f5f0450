/**
 * The PUSH queue consumer. Per message: validate (poison → DLQ), find the user's devices, and
 * deliver to each device once (a per-device idempotency marker, so a retried message only goes
 * to the devices that did not get it), through its provider (./provider-send.ts: FCM, Web Push or
 * the dev outbox). Dead tokens and subscriptions delete their device; 429/5xx retry the message
 * after the longest Retry-After any device asked for.
 */
import { pushJobSchema, type PushJob, type PushTarget } from "../../../../lib/contracts/queues";
import { getDb, type Database, type Device, type UsersRepository } from "../../../../lib/db";
import { describeError, log } from "../../../../lib/log";
import { mapBounded } from "../../../../lib/map-bounded";
import { alreadySent, backoffSeconds, deadLetter, markSent, recordOutcome, type OutcomeRecord } from "../../../../lib/queue-delivery";
import { pushSink, webPushSink, type PushEnv } from "./config";
import { pushContent, type PushContent } from "./message";
import { sendToProvider, type Sinks } from "./provider-send";
import { unwantedRecipients } from "./unwanted";

export type PushConsumerEnv = PushEnv & Pick<ChatEnv, "KV" | "PUSH_DLQ" | "METRICS" | "DB" | "HYPERDRIVE" | "DB_BACKEND">;

export async function consumePushBatch(batch: MessageBatch<unknown>, env: PushConsumerEnv): Promise<void> {
  const sinks: Sinks = { fcm: pushSink(env), web: webPushSink(env) };
  for (const sink of [sinks.fcm, sinks.web]) {
    if (sink.kind === "unconfigured") log({ event: "config_missing", feature: "push", missing: sink.missing }, "error");
  }
  let db;
  try {
    db = await getDb(env);
  } catch (err) {
    log({ event: "unhandled_error", where: "push.getDb", error: describeError(err) }, "error");
    for (const message of batch.messages) message.retry({ delaySeconds: backoffSeconds(message.attempts) });
    return;
  }
  try {
    for (const message of batch.messages) await consumeOne(message, env, sinks, db);
  } finally {
    await db.close().catch(() => undefined);
  }
}

async function consumeOne(message: Message<unknown>, env: PushConsumerEnv, sinks: Sinks, db: Database): Promise<void> {
  const users = db.users;
  const parsed = pushJobSchema.safeParse(message.body);
  if (!parsed.success) {
    await deadLetter(message, env.PUSH_DLQ, env.METRICS, "push", "validation");
    return;
  }
  const job = parsed.data;
  const base = { queue: "push" as const, kind: job.kind, requestId: job.request_id };
  if (sinks.fcm.kind === "unconfigured" && sinks.web.kind === "unconfigured") {
    message.retry({ delaySeconds: backoffSeconds(message.attempts) });
    recordOutcome(env.METRICS, { ...base, outcome: "retry", reason: "not_configured" });
    return;
  }
  let devices: UserDevice[];
  try {
    devices = await targetDevices(job, users, await unwantedRecipients(job, targetsOf(job), db.accountControls));
  } catch (err) {
    log({ event: "unhandled_error", where: "push.devices", error: describeError(err), request_id: job.request_id }, "error");
    message.retry({ delaySeconds: backoffSeconds(message.attempts) });
    recordOutcome(env.METRICS, { ...base, outcome: "retry", reason: "devices_unavailable" });
    return;
  }
  if (devices.length === 0) {
    message.ack();
    recordOutcome(env.METRICS, { ...base, outcome: "dropped", reason: "no_devices" });
    return;
  }
  const content = pushContent(job);
  const delays = await mapBounded(devices, DEVICE_CONCURRENCY, ({ userId, device }) =>
    deliverToDevice({ job, userId, device, content, env, sinks, users, attempts: message.attempts, base }),
  );
  const retries = delays.filter((d): d is number => d !== undefined);
  if (retries.length > 0) message.retry({ delaySeconds: Math.max(...retries) });
  else message.ack();
}

/** Devices one message reaches at once (a wake-up may carry PUSH_TARGETS_MAX users, each with a few devices). */
const DEVICE_CONCURRENCY = 16;

type UserDevice = { userId: string; device: Device };

/** The job's recipients: a message's targets (or its single legacy `user_id`), or the one user of the other kinds. */
function targetsOf(job: PushJob): PushTarget[] {
  switch (job.kind) {
    case "message":
      return job.targets ?? (job.user_id !== undefined ? [{ user_id: job.user_id }] : []);
    case "incoming_call":
      return [{ user_id: job.user_id }];
    case "prekeys_low":
      return [{ user_id: job.user_id }];
  }
}

/**
 * Each target's push devices (only the named one when a target names a device), except the targets
 * that muted the conversation or block the sender (unwanted.ts). prekeys_low
 * concerns one device (all of them if that id has no push registration).
 */
async function targetDevices(job: PushJob, users: UsersRepository, unwanted: ReadonlySet<string>): Promise<UserDevice[]> {
  const targets = targetsOf(job).filter((t) => !unwanted.has(t.user_id));
  const byUser = new Map<string, Set<string> | null>();
  for (const t of targets) {
    const known = byUser.get(t.user_id);
    if (known === null) continue;
    if (t.device_id === undefined) byUser.set(t.user_id, null);
    else byUser.set(t.user_id, (known ?? new Set()).add(t.device_id));
  }
  const lists = await mapBounded([...byUser], DEVICE_CONCURRENCY, async ([userId, only]) => {
    const all = await users.listDevices(userId);
    const picked = only === null ? all : all.filter((d) => only.has(d.id));
    return picked.map((device) => ({ userId, device }));
  });
  const devices = lists.flat();
  if (job.kind !== "prekeys_low") return devices;
  const own = devices.filter((d) => d.device.id === job.device_id);
  return own.length > 0 ? own : devices;
}

interface DeviceDelivery {
  job: PushJob;
  userId: string;
  device: Device;
  content: PushContent;
  env: PushConsumerEnv;
  sinks: Sinks;
  users: UsersRepository;
  attempts: number;
  base: Omit<OutcomeRecord, "outcome">;
}

/** Delivers to one device; answers the delay to retry after, or undefined when done with it. */
async function deliverToDevice(d: DeviceDelivery): Promise<number | undefined> {
  const { job, userId, device, env } = d;
  const marker = `${job.idempotency_key}:${device.id}`;
  const record = (outcome: OutcomeRecord["outcome"], reason?: string) =>
    recordOutcome(env.METRICS, { ...d.base, outcome, ...(reason !== undefined ? { reason } : {}) });
  try {
    if (await alreadySent(env.KV, marker)) {
      record("duplicate");
      return undefined;
    }
    const sent = await sendToProvider({ userId, device, content: d.content, env, sinks: d.sinks });
    switch (sent.outcome) {
      case "sent":
      case "dev_sink":
        await markSent(env.KV, marker).catch((err: unknown) =>
          log({ event: "unhandled_error", where: "push.markSent", error: describeError(err), request_id: job.request_id }, "error"),
        );
        record(sent.outcome);
        return undefined;
      case "dropped":
        if (sent.tokenDead) {
          await d.users.deleteDeviceByPushToken(device.pushToken);
          log({ event: "push_device_removed", user_id: userId, device_id: device.id, reason: sent.reason, request_id: job.request_id }, "warn");
        }
        record("dropped", sent.reason);
        return undefined;
      case "retry":
        record("retry", sent.reason);
        return backoffSeconds(d.attempts, sent.retryAfterSeconds);
    }
  } catch (err) {
    log({ event: "unhandled_error", where: "push.deliver", error: describeError(err), request_id: job.request_id }, "error");
    record("retry", "unexpected");
    return backoffSeconds(d.attempts);
  }
}
