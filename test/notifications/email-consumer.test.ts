import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { listMailbox } from "../../workers/auth/src/email/mailbox";
import auth, { AuthService } from "../../workers/auth/src/index";
import { uniqueEmail } from "../helpers/auth";
import { runBatch, uniqueKey } from "./support";

function verifyJob(to: string, extra: Record<string, unknown> = {}) {
  return {
    kind: "verify_email",
    idempotency_key: uniqueKey("verify_email"),
    request_id: "req-email-test",
    to,
    username: "alice",
    token: `tok_${crypto.randomUUID()}`,
    ...extra,
  };
}

/** The real DLQ binding, recording what the consumer dead-letters (or refusing, to test that path). */
function recordingDlq(refuse = false) {
  const sent: unknown[] = [];
  const real = env.EMAIL_DLQ;
  const queue: Queue = {
    metrics: () => real.metrics(),
    send: async (body, options) => {
      if (refuse) throw new Error("queue unavailable");
      sent.push(body);
      return real.send(body, options);
    },
    sendBatch: (messages, options) => real.sendBatch(messages, options),
  };
  return { sent, queue };
}

const email = (e: typeof env, bodies: unknown[], attempts = 1, ids?: string[]) => runBatch("secureconnect-email", auth.queue, e, bodies, attempts, ids);

describe("EMAIL consumer", () => {
  it("renders the email (text + escaped HTML) into the dev mailbox when no SMTP is configured", async ({ expect }) => {
    const to = uniqueEmail("mb");
    const job = verifyJob(to, { username: `<script>alert("x")</script>` });
    const run = await email(env, [job]);
    expect(run.explicitAcks).toEqual(run.ids);
    const [message, ...rest] = await listMailbox(env.KV, to);
    expect(rest).toEqual([]);
    expect(message).toMatchObject({ kind: "verify_email", to, subject: "Verify your SecureConnect email address" });
    expect(message?.body).toContain(`Code: ${job.token}`);
    expect(message?.html).toContain(job.token);
    expect(message?.html).not.toContain("<script>");
    expect(message?.html).toContain("&#60;script&#62;");
  });

  it("does not send twice when the same job is redelivered", async ({ expect }) => {
    const to = uniqueEmail("redeliver");
    const job = verifyJob(to);
    const first = await email(env, [job]);
    const again = await email(env, [job], 2, first.ids);
    const copy = await email(env, [{ ...job }]);
    expect(again.explicitAcks).toEqual(first.ids);
    expect(copy.explicitAcks).toEqual(copy.ids);
    expect(await listMailbox(env.KV, to)).toHaveLength(1);
  });

  it("dead-letters bad bodies at once (acked, sent to the DLQ unchanged, never retried)", async ({ expect }) => {
    const dlq = recordingDlq();
    const poison = [
      "not json at all",
      { kind: "verify_email" },
      { ...verifyJob(uniqueEmail()), kind: "launch_missiles" },
      { ...verifyJob("not-an-email") },
      { ...verifyJob(uniqueEmail()), token: "x".repeat(10_000) },
      { ...verifyJob(uniqueEmail()), idempotency_key: 42 },
      null,
    ];
    const run = await email({ ...env, EMAIL_DLQ: dlq.queue }, poison);
    expect(run.explicitAcks).toEqual(run.ids);
    expect(run.retryMessages).toEqual([]);
    expect(dlq.sent).toEqual(poison);
  });

  it("keeps a bad body (retry) when the DLQ itself refuses it, instead of losing it", async ({ expect }) => {
    const dlq = recordingDlq(true);
    const run = await email({ ...env, EMAIL_DLQ: dlq.queue }, [{ kind: "nope" }]);
    expect(run.explicitAcks).toEqual([]);
    expect(run.retryMessages).toEqual([{ msgId: run.ids[0], delaySeconds: 10 }]);
  });

  it("processes a good message next to a poison one in the same batch", async ({ expect }) => {
    const dlq = recordingDlq();
    const to = uniqueEmail("mixed");
    const run = await email({ ...env, EMAIL_DLQ: dlq.queue }, [{ bad: true }, verifyJob(to)]);
    expect(run.explicitAcks).toEqual(run.ids);
    expect(dlq.sent).toEqual([{ bad: true }]);
    expect(await listMailbox(env.KV, to)).toHaveLength(1);
  });

  it("retries with backoff when the SMTP relay cannot be reached, and writes nothing to the dev mailbox", async ({ expect }) => {
    const to = uniqueEmail("smtpdown");
    const smtpDown = { ...env, SMTP_HOST: "127.0.0.1", SMTP_PORT: "9", SMTP_FROM: "SecureConnect <no-reply@example.com>" };
    const first = await email(smtpDown, [verifyJob(to)], 1);
    expect(first.retryMessages).toEqual([{ msgId: first.ids[0], delaySeconds: 10 }]);
    const third = await email(smtpDown, [verifyJob(to)], 3);
    expect(third.retryMessages).toEqual([{ msgId: third.ids[0], delaySeconds: 40 }]);
    expect(await listMailbox(env.KV, to)).toEqual([]);
  });

  it("never falls back to the dev mailbox once SMTP is half-configured (host without sender)", async ({ expect }) => {
    const to = uniqueEmail("half");
    const run = await email({ ...env, SMTP_HOST: "smtp.example.com", SMTP_FROM: "" }, [verifyJob(to)]);
    expect(run.retryMessages).toHaveLength(1);
    expect(await listMailbox(env.KV, to)).toEqual([]);
  });
});

describe("email in production without SMTP", () => {
  const production = { ...env, ENVIRONMENT: "production" };

  it("keeps the job queued (retry) instead of faking delivery", async ({ expect }) => {
    const to = uniqueEmail("prod");
    const run = await email(production, [verifyJob(to)]);
    expect(run.explicitAcks).toEqual([]);
    expect(run.retryMessages).toHaveLength(1);
    expect(await listMailbox(env.KV, to)).toEqual([]);
  });

  it("makes the auth worker's health name every missing SMTP setting, never a value", async ({ expect }) => {
    const service = new AuthService(createExecutionContext(), { ...production, SMTP_HOST: "smtp.example.com", SMTP_PASSWORD: "hunter2-secret" });
    const health = await service.health({ requestId: "req-health" });
    expect(health.ok).toBe(true);
    if (!health.ok) return;
    expect(health.value.service.status).toBe("error");
    expect(health.value.service.missing).toEqual(expect.arrayContaining(["SMTP_FROM", "SMTP_USERNAME"]));
    expect(health.value.service.missing).not.toContain("SMTP_HOST");
    expect(JSON.stringify(health.value)).not.toContain("hunter2-secret");
  });

  it("reports healthy once every SMTP setting is present", async ({ expect }) => {
    const configured = {
      ...production,
      SMTP_HOST: "smtp.example.com",
      SMTP_PORT: "587",
      SMTP_FROM: "SecureConnect <no-reply@example.com>",
      SMTP_USERNAME: "relay-user",
      SMTP_PASSWORD: "relay-pass",
    };
    const health = await new AuthService(createExecutionContext(), configured).health({ requestId: "req-health-ok" });
    expect(health.ok && health.value.service.status).toBe("ok");
  });
});
