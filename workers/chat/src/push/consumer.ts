/**
 * The PUSH queue consumer. Per message: validate (poison → DLQ), find the user's devices, and
 * deliver to each device once (a per-device idempotency marker, so a retried message only goes
 * to the devices that did not get it). Dead tokens delete their device; 429/5xx retry the message
 * after the longest Retry-After any device asked for.
 */
import { pushJobSchema, type PushJob, type PushTarget } from "../../../../lib/contracts/queues";
import { getDb, type Database, type Device, type UsersRepository } from "../../../../lib/db";
import { describeError, log } from "../../../../lib/log";
import { mapBounded } from "../../../../lib/map-bounded";
import { alreadySent, backoffSeconds, deadLetter, markSent, recordOutcome, type OutcomeRecord } from "../../../../lib/queue-delivery";
import { pushSink, type PushEnv, type PushSink } from "./config";
import { sendFcm } from "./fcm-client";
import { fcmMessage, pushContent, type PushContent } from "./message";
import { accessToken, forgetAccessToken, OAuthError } from "./oauth";
import { storeInOutbox } from "./outbox";
import { unwantedRecipients } from "./unwanted";

export type PushConsumerEnv = PushEnv & Pick<ChatEnv, "KV" | "PUSH_DLQ" | "METRICS" | "DB" | "HYPERDRIVE" | "DB_BACKEND">;
type Deliverable = Exclude<PushSink, { kind: "unconfigured" }>;

export async function consumePushBatch(batch: MessageBatch<unknown>, env: PushConsumerEnv): Promise<void> {
  const sink = pushSink(env);
  if (sink.kind === "unconfigured") log({ event: "config_missing", feature: "push", missing: sink.missing }, "error");
  let db;
  try {
    db = await getDb(env);
  } catch (err) {
    log({ event: "unhandled_error", where: "push.getDb", error: describeError(err) }, "error");
    for (const message of batch.messages) message.retry({ delaySeconds: backoffSeconds(message.attempts) });
    return;
  }
  try {
    for (const message of batch.messages) await consumeOne(message, env, sink, db);
  } finally {
    await db.close().catch(() => undefined);
  }
}

async function consumeOne(message: Message<unknown>, env: PushConsumerEnv, sink: PushSink, db: Database): Promise<void> {
  const users = db.users;
  const parsed = pushJobSchema.safeParse(message.body);
  if (!parsed.success) {
    await deadLetter(message, env.PUSH_DLQ, env.METRICS, "push", "validation");
    return;
  }
  const job = parsed.data;
  const base = { queue: "push" as const, kind: job.kind, requestId: job.request_id };
  if (sink.kind === "unconfigured") {
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
    deliverToDevice({ job, userId, device, content, env, sink, users, attempts: message.attempts, base }),
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
  sink: Deliverable;
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
    if (d.sink.kind === "dev_outbox") {
      await storeInOutbox(env.KV, { userId, deviceId: device.id, pushToken: device.pushToken, content: d.content });
      await markSent(env.KV, marker);
      record("dev_sink");
      return undefined;
    }
    const settings = d.sink.fcm;
    const message = fcmMessage(device.pushToken, d.content);
    let result = await sendFcm(settings, await accessToken(settings), message);
    if (!result.ok && result.kind === "unauthenticated") {
      forgetAccessToken(settings);
      result = await sendFcm(settings, await accessToken(settings), message);
    }
    if (result.ok) {
      await markSent(env.KV, marker).catch((err: unknown) =>
        log({ event: "unhandled_error", where: "push.markSent", error: describeError(err), request_id: job.request_id }, "error"),
      );
      record("sent");
      return undefined;
    }
    const reason = `fcm_${result.status}_${result.errorCode.toLowerCase()}`;
    if (result.kind === "token_invalid") {
      await d.users.deleteDeviceByPushToken(device.pushToken);
      log({ event: "push_device_removed", user_id: userId, device_id: device.id, reason: result.errorCode, request_id: job.request_id }, "warn");
      record("dropped", reason);
      return undefined;
    }
    if (result.kind === "permanent") {
      record("dropped", reason);
      return undefined;
    }
    record("retry", reason);
    return backoffSeconds(d.attempts, result.kind === "retry" ? result.retryAfterSeconds : undefined);
  } catch (err) {
    if (err instanceof OAuthError) {
      record("retry", `oauth_${err.status ?? 0}`);
      return backoffSeconds(d.attempts, err.retryAfterSeconds);
    }
    log({ event: "unhandled_error", where: "push.deliver", error: describeError(err), request_id: job.request_id }, "error");
    record("retry", "unexpected");
    return backoffSeconds(d.attempts);
  }
}
