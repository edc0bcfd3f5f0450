/**
 * Web Push end to end: a browser's subscription registered through the real gateway as a
 * `platform: "web"` device, then the real PUSH consumer sending to the fake push service
 * (test/fakes/web-push-service.ts), which checks the VAPID JWT and decrypts the payload with the
 * subscription's private key. Sending is production behaviour (development keeps web pushes in the
 * dev outbox), so the consumer runs on a copy of env that says production.
 */
import { createExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { afterAll, beforeAll, describe, it } from "vitest";
import { webPushPayloadSchema } from "../../lib/contracts/web-push";
import { AuthService } from "../../workers/auth/src/index";
import chat, { ChatService } from "../../workers/chat/src/index";
import { listOutbox } from "../../workers/chat/src/push/outbox";
import { FakeWebPushService } from "../fakes/web-push-service";
import { BASE, createUser, signInAgain, type TestUser } from "../helpers/auth";
import { listPushDeviceIds, registerDevice, runBatch, uniqueKey } from "./support";

const service = new FakeWebPushService();
let uninstall: () => void = () => undefined;
beforeAll(() => {
  uninstall = service.install();
});
afterAll(() => uninstall());

const production = { ...env, ENVIRONMENT: "production" };
const push = (e: typeof env, bodies: unknown[], attempts = 1, ids?: string[]) => runBatch("secureconnect-push", chat.queue, e, bodies, attempts, ids);

async function vapidKey(): Promise<string> {
  const res = await exports.default.fetch(`${BASE}/v1/push/vapid-public-key`);
  expect200(res.status);
  return (await res.json<{ public_key: string }>()).public_key;
}
function expect200(status: number): void {
  if (status !== 200) throw new Error(`vapid-public-key answered ${status}`);
}

/** A browser of `user` subscribing with our VAPID key, registered as its session's device. */
async function subscribed(user: TestUser) {
  const subscription = await service.subscribe(await vapidKey());
  const { id, ...json } = subscription;
  const deviceId = await registerDevice(user, JSON.stringify(json), "web");
  return { id, deviceId, json };
}

function messageJob(user: TestUser, extra: Record<string, unknown> = {}) {
  return {
    kind: "message",
    idempotency_key: uniqueKey("msg"),
    request_id: "req-web-push",
    user_id: user.user.id,
    conversation_id: crypto.randomUUID(),
    seq: 3,
    sender_id: crypto.randomUUID(),
    ...extra,
  };
}

const decrypted = (plaintext: string | undefined) => webPushPayloadSchema.parse(JSON.parse(plaintext ?? "null"));

describe("Web Push subscriptions as devices", () => {
  it("serves the VAPID public key that pairs with the chat worker's secret", async ({ expect }) => {
    const res = await exports.default.fetch(`${BASE}/v1/push/vapid-public-key`);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toContain("max-age");
    const { public_key } = await res.json<{ public_key: string }>();
    expect(public_key).toMatch(/^B[A-Za-z0-9_-]{86}$/);
    const missing = await new ChatService(createExecutionContext(), { ...production, VAPID_PRIVATE_KEY: "" }).vapidPublicKey({ requestId: "r" });
    expect(missing.ok ? "ok" : missing.error.code).toBe("SERVICE_UNAVAILABLE");
  });

  it("registers a PushSubscription as a web device, and refuses malformed ones with a VALIDATION_ERROR on push_token", async ({ expect }) => {
    const user = await createUser();
    const { deviceId } = await subscribed(user);
    expect(await listPushDeviceIds(user)).toContain(deviceId);
    const good = (await service.subscribe(await vapidKey())).keys;
    const bad: unknown[] = [
      "not json",
      "https://push.fake.test/push/x",
      JSON.stringify({ endpoint: "http://push.fake.test/push/x", keys: good }),
      JSON.stringify({ endpoint: "https://push.fake.test/push/x", keys: { ...good, p256dh: good.p256dh.slice(0, 40) } }),
      JSON.stringify({ endpoint: "https://push.fake.test/push/x", keys: { ...good, auth: "short" } }),
      JSON.stringify({ endpoint: "https://push.fake.test/push/x", keys: { p256dh: 7, auth: good.auth } }),
      JSON.stringify({ endpoint: "https://push.fake.test/push/x" }),
      JSON.stringify([1, 2, 3]),
    ];
    for (const pushToken of bad) {
      const res = await exports.default.fetch(`${BASE}/v1/users/me/devices`, {
        method: "POST",
        headers: user.headers,
        body: JSON.stringify({ platform: "web", push_token: pushToken }),
      });
      expect(res.status, String(pushToken)).toBe(400);
      const body = await res.json<{ error: { code: string; details: { field?: string }[] } }>();
      expect(body.error.code).toBe("VALIDATION_ERROR");
      expect(body.error.details.map((d) => d.field)).toContain("push_token");
    }
  });

  it("refuses loopback and private-network push endpoints in production (SSRF), at registration", async ({ expect }) => {
    const user = await createUser();
    const keys = (await service.subscribe(await vapidKey())).keys;
    const auth = new AuthService(createExecutionContext(), production);
    const rpc = { requestId: "r", userId: user.user.id };
    for (const endpoint of [
      "https://127.0.0.1/x",
      "https://10.1.2.3/x",
      "https://[::1]/x",
      "https://localhost/x",
      "https://169.254.169.254/x",
      "https://db.internal/x",
    ]) {
      const res = await auth.registerDevice(rpc, { platform: "web", push_token: JSON.stringify({ endpoint, keys }) });
      expect(res.ok ? "ok" : res.error.code, endpoint).toBe("VALIDATION_ERROR");
    }
    const fine = await auth.registerDevice(rpc, { platform: "web", push_token: JSON.stringify({ endpoint: "https://push.fake.test/push/p", keys }) });
    expect(fine.ok).toBe(true);
  });
});

describe("PUSH consumer over Web Push (fake push service)", () => {
  it("encrypts an ids-only message wake-up to the subscription, with a valid VAPID JWT, TTL, urgency and topic", async ({ expect }) => {
    const user = await createUser();
    const browser = await subscribed(user);
    const job = messageJob(user, { preview: "secret plaintext" });
    const run = await push(production, [job]);
    expect(run.explicitAcks).toEqual(run.ids);
    const [got] = service.receivedBy(browser.id);
    expect(decrypted(got?.plaintext)).toEqual({ data: { kind: "message", conversation_id: job.conversation_id, seq: "3" } });
    expect(got?.plaintext).not.toContain("secret plaintext");
    expect(got?.jwt).toMatchObject({ aud: "https://push.fake.test", sub: "mailto:push-tests@secureconnect.example" });
    expect(got?.headers.urgency).toBe("high");
    expect(Number(got?.headers.ttl)).toBeGreaterThan(0);
    expect(got?.headers.topic).toMatch(/^[A-Za-z0-9_-]{1,32}$/);
  });

  it("gives incoming calls their generic alert and a short TTL", async ({ expect }) => {
    const user = await createUser();
    const browser = await subscribed(user);
    const job = {
      kind: "incoming_call",
      idempotency_key: uniqueKey("call"),
      request_id: "r",
      user_id: user.user.id,
      call_id: crypto.randomUUID(),
      conversation_id: crypto.randomUUID(),
      caller_id: crypto.randomUUID(),
      call_type: "audio",
    };
    await push(production, [job]);
    const [got] = service.receivedBy(browser.id);
    expect(decrypted(got?.plaintext)).toMatchObject({
      data: { kind: "incoming_call", call_id: job.call_id, conversation_id: job.conversation_id },
      notification: { title: "Incoming audio call" },
    });
    expect(got?.headers.ttl).toBe("30");
  });

  it("deletes the subscription when the push service says it is gone (410, 404), and keeps the others", async ({ expect }) => {
    const user = await createUser();
    const gone = await subscribed(user);
    const missing = await subscribed(await signInAgain(user));
    const alive = await subscribed(await signInAgain(user));
    service.unsubscribe(gone.id);
    service.failNext(missing.id, { failure: "not_found" });
    const run = await push(production, [messageJob(user)]);
    expect(run.explicitAcks).toEqual(run.ids);
    const left = await listPushDeviceIds(user);
    expect(left).toContain(alive.deviceId);
    expect(left).not.toContain(gone.deviceId);
    expect(left).not.toContain(missing.deviceId);
    expect(service.receivedBy(alive.id)).toHaveLength(1);
  });

  it("retries 429 and 5xx after Retry-After, and a redelivery reaches only the device that missed it", async ({ expect }) => {
    const user = await createUser();
    const busy = await subscribed(user);
    const fine = await subscribed(await signInAgain(user));
    service.failNext(busy.id, { failure: "rate_limited", retryAfter: "120" });
    const job = messageJob(user);
    const first = await push(production, [job]);
    expect(first.retryMessages).toEqual([{ msgId: first.ids[0], delaySeconds: 120 }]);
    service.failNext(busy.id, { failure: "unavailable" });
    const second = await push(production, [job], 2, first.ids);
    expect(second.retryMessages).toHaveLength(1);
    const third = await push(production, [job], 3, first.ids);
    expect(third.explicitAcks).toEqual(first.ids);
    expect(service.receivedBy(busy.id)).toHaveLength(1);
    expect(service.receivedBy(fine.id)).toHaveLength(1);
  });

  it("never sends to a stored subscription whose endpoint is private in production: the token is dropped", async ({ expect }) => {
    const user = await createUser();
    const keys = (await service.subscribe(await vapidKey())).keys;
    // Development accepts a local push service; the same row in production is never fetched.
    const deviceId = await registerDevice(user, JSON.stringify({ endpoint: "https://127.0.0.1:9/push", keys }), "web");
    const run = await push(production, [messageJob(user)]);
    expect(run.explicitAcks).toEqual(run.ids);
    expect(await listPushDeviceIds(user)).not.toContain(deviceId);
  });

  it("sends no silent pushes: prekeys_low skips web devices", async ({ expect }) => {
    const user = await createUser();
    const browser = await subscribed(user);
    const job = { kind: "prekeys_low", idempotency_key: uniqueKey("pk"), request_id: "r", user_id: user.user.id, device_id: browser.deviceId, remaining: 2 };
    const run = await push(production, [job]);
    expect(run.explicitAcks).toEqual(run.ids);
    expect(service.attempts.get(browser.id) ?? 0).toBe(0);
  });

  it("in production without a VAPID key: health names it and web pushes wait (retried), never faked", async ({ expect }) => {
    const noKey = { ...production, VAPID_PRIVATE_KEY: "" };
    const health = await new ChatService(createExecutionContext(), noKey).health({ requestId: "r" });
    expect(health.ok && health.value.service.missing).toEqual(expect.arrayContaining(["VAPID_PRIVATE_KEY"]));
    expect(JSON.stringify(health)).not.toContain(env.VAPID_PRIVATE_KEY);
    const user = await createUser();
    const browser = await subscribed(user);
    const run = await push(noKey, [messageJob(user)]);
    expect(run.retryMessages).toHaveLength(1);
    expect(service.attempts.get(browser.id) ?? 0).toBe(0);
    expect(await listOutbox(env.KV, user.user.id)).toEqual([]);
  });

  it("in development keeps web pushes in the dev outbox, subscription and all, and sends nothing", async ({ expect }) => {
    const user = await createUser();
    const browser = await subscribed(user);
    const job = messageJob(user);
    const run = await push(env, [job]);
    expect(run.explicitAcks).toEqual(run.ids);
    const [entry] = await listOutbox(env.KV, user.user.id);
    expect(entry).toMatchObject({ device_id: browser.deviceId, data: { kind: "message", conversation_id: job.conversation_id } });
    expect(JSON.parse(entry?.push_token ?? "{}")).toEqual({ endpoint: browser.json.endpoint, keys: browser.json.keys });
    expect(service.attempts.get(browser.id) ?? 0).toBe(0);
  });
});
