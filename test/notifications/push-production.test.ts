import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import chat, { ChatService } from "../../workers/chat/src/index";
import { pushConfigured } from "../../workers/chat/src/push/config";
import { listOutbox } from "../../workers/chat/src/push/outbox";
import { createUser } from "../helpers/auth";
import { registerDevice, runBatch, uniqueKey } from "./support";

const push = (e: typeof env, bodies: unknown[]) => runBatch("secureconnect-push", chat.queue, e, bodies);

function recordingDlq() {
  const sent: unknown[] = [];
  const real = env.PUSH_DLQ;
  const queue: Queue = {
    metrics: () => real.metrics(),
    send: async (body, options) => {
      sent.push(body);
      return real.send(body, options);
    },
    sendBatch: (messages, options) => real.sendBatch(messages, options),
  };
  return { sent, queue };
}

describe("PUSH consumer: bad bodies", () => {
  it("dead-letters bodies that fail validation (including attempts to smuggle content) without retrying them", async ({ expect }) => {
    const dlq = recordingDlq();
    const poison = [
      { kind: "message", user_id: "u" },
      { kind: "message", idempotency_key: uniqueKey("m"), request_id: "r", user_id: "u", conversation_id: "c", seq: "7", sender_id: "s" },
      { kind: "message", idempotency_key: uniqueKey("m"), request_id: "r", user_id: "u", conversation_id: "c", seq: -1, sender_id: "s" },
      {
        kind: "incoming_call",
        idempotency_key: uniqueKey("c"),
        request_id: "r",
        user_id: "u",
        call_id: "x",
        conversation_id: "c",
        caller_id: "a",
        call_type: "hologram",
      },
      { kind: "wipe_device", idempotency_key: uniqueKey("w"), request_id: "r", user_id: "u" },
      42,
    ];
    const run = await push({ ...env, PUSH_DLQ: dlq.queue }, poison);
    expect(run.explicitAcks).toEqual(run.ids);
    expect(run.retryMessages).toEqual([]);
    expect(dlq.sent).toEqual(poison);
  });
});

describe("push in production without FCM", () => {
  const production = { ...env, ENVIRONMENT: "production" };

  it("keeps the job queued (retry) and writes nothing to the dev outbox", async ({ expect }) => {
    const user = await createUser();
    await registerDevice(user, `tok-${crypto.randomUUID()}`);
    const run = await push(production, [
      {
        kind: "message",
        idempotency_key: uniqueKey("m"),
        request_id: "r",
        user_id: user.user.id,
        conversation_id: crypto.randomUUID(),
        seq: 1,
        sender_id: crypto.randomUUID(),
      },
    ]);
    expect(run.explicitAcks).toEqual([]);
    expect(run.retryMessages).toHaveLength(1);
    expect(await listOutbox(env.KV, user.user.id)).toEqual([]);
  });

  it("tells producers it is not configured", async ({ expect }) => {
    expect(pushConfigured(production)).toBe(false);
    expect(pushConfigured(env)).toBe(true);
    const status = await new ChatService(createExecutionContext(), production).pushStatus({ requestId: "r" });
    expect(status).toEqual({ ok: true, value: { configured: false } });
  });

  it("makes the chat worker's health name FCM_SERVICE_ACCOUNT (missing or not a key), and pass once it is valid", async ({ expect }) => {
    const health = (e: typeof env) => new ChatService(createExecutionContext(), e).health({ requestId: "r" });
    expect(await health(production)).toMatchObject({ ok: true, value: { service: { status: "error", missing: ["FCM_SERVICE_ACCOUNT"] } } });
    const garbage = await health({ ...production, FCM_SERVICE_ACCOUNT: "{not json, but a secret-ish value}" });
    expect(garbage).toMatchObject({ ok: true, value: { service: { status: "error", missing: ["FCM_SERVICE_ACCOUNT"] } } });
    expect(JSON.stringify(garbage)).not.toContain("secret-ish");
    const account = JSON.stringify({
      project_id: "sc-prod",
      client_email: "push@sc-prod.iam.gserviceaccount.com",
      private_key: "-----BEGIN PRIVATE KEY-----\nMII\n-----END PRIVATE KEY-----\n",
    });
    expect(await health({ ...production, FCM_SERVICE_ACCOUNT: account })).toMatchObject({ ok: true, value: { service: { status: "ok" } } });
    // Production refuses plain-http endpoints for the provider.
    const insecure = await health({ ...production, FCM_SERVICE_ACCOUNT: account, FCM_API_BASE: "http://fcm.example.com" });
    expect(insecure).toMatchObject({ ok: true, value: { service: { status: "error", missing: ["FCM_API_BASE"] } } });
  });
});
