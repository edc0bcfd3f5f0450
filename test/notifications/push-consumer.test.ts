import { env, exports } from "cloudflare:workers";
import { afterAll, beforeAll, describe, it } from "vitest";
import chat from "../../workers/chat/src/index";
import { FakeFcm } from "../fakes/fcm";
import { BASE, createUser, signInAgain, type TestUser } from "../helpers/auth";
import { listPushDeviceIds, registerDevice, runBatch, uniqueKey } from "./support";

const fake = new FakeFcm();
let uninstall: () => void = () => undefined;
beforeAll(() => {
  uninstall = fake.install();
});
afterAll(() => uninstall());

/** The harness env pointed at the fake, with a fresh service account (own project, own token cache). */
async function fcmEnv(): Promise<typeof env> {
  return { ...env, FCM_SERVICE_ACCOUNT: await fake.serviceAccount(), FCM_API_BASE: fake.apiBase, GOOGLE_OAUTH_TOKEN_URL: fake.tokenUrl };
}

function messageJob(user: TestUser, extra: Record<string, unknown> = {}) {
  return {
    kind: "message",
    idempotency_key: uniqueKey("msg"),
    request_id: "req-push-test",
    user_id: user.user.id,
    conversation_id: crypto.randomUUID(),
    seq: 7,
    sender_id: crypto.randomUUID(),
    ...extra,
  };
}

const token = (label: string) => `${label}-${crypto.randomUUID()}`;
const push = (e: typeof env, bodies: unknown[], attempts = 1, ids?: string[]) => runBatch("secureconnect-push", chat.queue, e, bodies, attempts, ids);

describe("PUSH consumer against FCM HTTP v1 (fake)", () => {
  it("fans a message wake-up out to every device: ids only, no content, after a verified OAuth exchange", async ({ expect }) => {
    const e = await fcmEnv();
    const user = await createUser();
    const [a, b] = [token("android"), token("ios")];
    await registerDevice(user, a, "android");
    await registerDevice(await signInAgain(user), b, "ios");
    const job = messageJob(user, { preview: "secret plaintext" });
    const run = await push(e, [job]);
    expect(run.explicitAcks).toEqual(run.ids);
    expect(run.retryMessages).toEqual([]);
    for (const t of [a, b]) {
      const [sent] = fake.sentTo(t);
      expect(sent?.data).toEqual({ kind: "message", conversation_id: job.conversation_id, seq: "7" });
      expect(sent).not.toHaveProperty("notification");
      expect(JSON.stringify(sent)).not.toContain("secret plaintext");
      expect(sent?.android).toMatchObject({ priority: "HIGH" });
    }
  });

  it("sends incoming calls urgent: Android HIGH, APNs priority 10, short TTL", async ({ expect }) => {
    const e = await fcmEnv();
    const user = await createUser();
    const t = token("call");
    await registerDevice(user, t, "ios");
    const job = {
      kind: "incoming_call",
      idempotency_key: uniqueKey("call"),
      request_id: "req",
      user_id: user.user.id,
      call_id: crypto.randomUUID(),
      conversation_id: crypto.randomUUID(),
      caller_id: crypto.randomUUID(),
      call_type: "video",
    };
    const run = await push(e, [job]);
    expect(run.explicitAcks).toEqual(run.ids);
    const [sent] = fake.sentTo(t);
    expect(sent?.android).toMatchObject({ priority: "HIGH", ttl: "30s" });
    expect(sent?.apns).toMatchObject({ headers: { "apns-priority": "10", "apns-push-type": "alert" } });
    expect(sent?.data).toMatchObject({ kind: "incoming_call", call_id: job.call_id, call_type: "video" });
  });

  it("caches the OAuth token across batches instead of exchanging a JWT per push", async ({ expect }) => {
    const e = await fcmEnv();
    const account = JSON.parse(e.FCM_SERVICE_ACCOUNT) as { client_email: string };
    const user = await createUser();
    const t = token("cache");
    await registerDevice(user, t);
    await push(e, [messageJob(user)]);
    await push(e, [messageJob(user), messageJob(user)]);
    expect(fake.sentTo(t)).toHaveLength(3);
    expect(fake.exchanges.get(account.client_email)).toBe(1);
  });

  it("exchanges a new token when FCM answers 401 for the cached one", async ({ expect }) => {
    const e = await fcmEnv();
    const account = JSON.parse(e.FCM_SERVICE_ACCOUNT) as { client_email: string };
    const user = await createUser();
    const t = token("revoked");
    await registerDevice(user, t);
    await push(e, [messageJob(user)]);
    fake.revokeAccessTokens();
    const run = await push(e, [messageJob(user)]);
    expect(run.explicitAcks).toEqual(run.ids);
    expect(fake.sentTo(t)).toHaveLength(2);
    expect(fake.exchanges.get(account.client_email)).toBe(2);
  });

  it("drops the token when FCM says UNREGISTERED (the signed-in device stays, without push), and keeps delivering to the others", async ({ expect }) => {
    const e = await fcmEnv();
    const user = await createUser();
    const [dead, alive] = [token("dead"), token("alive")];
    const deadId = await registerDevice(user, dead);
    const aliveId = await registerDevice(await signInAgain(user), alive);
    fake.failNext(dead, "unregistered");
    const run = await push(e, [messageJob(user)]);
    expect(run.explicitAcks).toEqual(run.ids);
    expect(fake.sentTo(alive)).toHaveLength(1);
    const remaining = await listPushDeviceIds(user);
    expect(remaining).toContain(aliveId);
    expect(remaining).not.toContain(deadId);
    // A stale token signs nobody out: the device's session goes on.
    expect((await exports.default.fetch(`${BASE}/v1/users/me`, { headers: user.headers })).status).toBe(200);
  });

  it("drops the token on INVALID_ARGUMENT naming the token, but not on INVALID_ARGUMENT about the payload", async ({ expect }) => {
    const e = await fcmEnv();
    const user = await createUser();
    const [badToken, badPayload] = [token("badtoken"), token("badpayload")];
    const badTokenId = await registerDevice(user, badToken);
    const badPayloadId = await registerDevice(await signInAgain(user), badPayload);
    fake.failNext(badToken, "invalid_token");
    fake.failNext(badPayload, "invalid_argument");
    const run = await push(e, [messageJob(user)]);
    // Neither is retried: a bad token is gone, a payload FCM refuses would be refused again.
    expect(run.explicitAcks).toEqual(run.ids);
    expect(run.retryMessages).toEqual([]);
    const remaining = await listPushDeviceIds(user);
    expect(remaining).not.toContain(badTokenId);
    expect(remaining).toContain(badPayloadId);
  });

  it("retries a 429 after the Retry-After FCM gave", async ({ expect }) => {
    const e = await fcmEnv();
    const user = await createUser();
    const t = token("quota");
    await registerDevice(user, t);
    fake.failNext(t, "quota", "120");
    const run = await push(e, [messageJob(user)]);
    expect(run.explicitAcks).toEqual([]);
    expect(run.retryMessages).toEqual([{ msgId: run.ids[0], delaySeconds: 120 }]);
  });

  it("retries 500 and 503 with growing backoff, and the redelivery reaches only the devices that missed it", async ({ expect }) => {
    const e = await fcmEnv();
    const user = await createUser();
    const [ok, flaky] = [token("ok"), token("flaky")];
    await registerDevice(user, ok);
    await registerDevice(await signInAgain(user), flaky);
    fake.failNext(flaky, "unavailable");
    fake.failNext(flaky, "internal");
    const job = messageJob(user);
    const first = await push(e, [job], 1);
    expect(first.retryMessages).toEqual([{ msgId: first.ids[0], delaySeconds: 10 }]);
    const second = await push(e, [job], 2, first.ids);
    expect(second.retryMessages).toEqual([{ msgId: first.ids[0], delaySeconds: 20 }]);
    const third = await push(e, [job], 3, first.ids);
    expect(third.explicitAcks).toEqual(first.ids);
    expect(fake.sentTo(ok)).toHaveLength(1);
    expect(fake.sentTo(flaky)).toHaveLength(1);
    expect(fake.attempts.get(flaky)).toBe(3);
  });

  it("does not push twice when a delivered message is redelivered", async ({ expect }) => {
    const e = await fcmEnv();
    const user = await createUser();
    const t = token("once");
    await registerDevice(user, t);
    const job = messageJob(user);
    const first = await push(e, [job]);
    const again = await push(e, [job], 2, first.ids);
    expect(again.explicitAcks).toEqual(first.ids);
    expect(fake.sentTo(t)).toHaveLength(1);
  });

  it("retries (never fakes success) when the token endpoint refuses the JWT", async ({ expect }) => {
    const e = await fcmEnv();
    const forged = JSON.parse(await fake.serviceAccount()) as Record<string, string>;
    const genuine = JSON.parse(e.FCM_SERVICE_ACCOUNT) as Record<string, string>;
    // The genuine account's identity with another key: the signature cannot verify.
    const bad = { ...e, FCM_SERVICE_ACCOUNT: JSON.stringify({ ...genuine, private_key: forged.private_key }) };
    const user = await createUser();
    const t = token("forged");
    await registerDevice(user, t);
    const run = await push(bad, [messageJob(user)]);
    expect(run.explicitAcks).toEqual([]);
    expect(run.retryMessages).toHaveLength(1);
    expect(fake.attempts.get(t)).toBeUndefined();
  });

  it("acks a push for a user without devices", async ({ expect }) => {
    const e = await fcmEnv();
    const user = await createUser();
    const run = await push(e, [messageJob(user)]);
    expect(run.explicitAcks).toEqual(run.ids);
  });

  it("sends prekeys_low only to the device it concerns", async ({ expect }) => {
    const e = await fcmEnv();
    const user = await createUser();
    const [mine, other] = [token("mine"), token("other")];
    const mineId = await registerDevice(user, mine);
    await registerDevice(await signInAgain(user), other);
    const job = { kind: "prekeys_low", idempotency_key: uniqueKey("pk"), request_id: "req", user_id: user.user.id, device_id: mineId, remaining: 3 };
    await push(e, [job]);
    expect(fake.sentTo(mine)).toEqual([expect.objectContaining({ data: { kind: "prekeys_low", device_id: mineId, remaining: "3" } })]);
    expect(fake.sentTo(other)).toEqual([]);
  });
});
