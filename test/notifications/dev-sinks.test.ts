import { createExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, it } from "vitest";
import type { MailboxList, OutboxList } from "../../lib/contracts/dev";
import { AuthService } from "../../workers/auth/src/index";
import { ChatService } from "../../workers/chat/src/index";
import gateway from "../../workers/gateway/src/index";
import { BASE, createUser, signInAgain } from "../helpers/auth";
import { pollDev, registerDevice, uniqueKey } from "./support";

const mailbox = (to: string, ready: (m: MailboxList) => boolean) => pollDev<MailboxList>(`/dev/mailbox?to=${encodeURIComponent(to)}`, ready);
const codeOf = (body: string | undefined) => /^Code: (\S+)$/m.exec(body ?? "")?.[1];

describe("dev mailbox through the real EMAIL queue", () => {
  it("receives the verification email of a registration, and its code verifies the address", async ({ expect }) => {
    const user = await createUser();
    const box = await mailbox(user.user.email, (m) => m.messages.length > 0);
    expect(box.messages).toHaveLength(1);
    const [message] = box.messages;
    expect(message).toMatchObject({ kind: "verify_email", to: user.user.email, subject: expect.stringContaining("Verify") });
    const token = codeOf(message?.body);
    expect(token).toBeTruthy();
    const verified = await exports.default.fetch(`${BASE}/v1/auth/verify-email`, { method: "POST", headers: user.headers, body: JSON.stringify({ token }) });
    expect(verified.status).toBe(200);
  });

  it("lists newest first: the reset email comes before the earlier verification email", async ({ expect }) => {
    const user = await createUser();
    await mailbox(user.user.email, (m) => m.messages.length > 0);
    const forgot = await exports.default.fetch(`${BASE}/v1/auth/forgot-password`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "cf-connecting-ip": "2001:db8::77" },
      body: JSON.stringify({ email: user.user.email }),
    });
    expect(forgot.status).toBe(202);
    const box = await mailbox(user.user.email, (m) => m.messages.length > 1);
    expect(box.messages.map((m) => m.kind)).toEqual(["password_reset", "verify_email"]);
    expect(codeOf(box.messages[0]?.body)).not.toEqual(codeOf(box.messages[1]?.body));
  });

  it("is per recipient (case-insensitive) and empty for anyone else", async ({ expect }) => {
    const user = await createUser();
    await mailbox(user.user.email, (m) => m.messages.length > 0);
    const upper = await mailbox(user.user.email.toUpperCase(), (m) => m.messages.length > 0);
    expect(upper.messages).toHaveLength(1);
    const other = await exports.default.fetch(`${BASE}/dev/mailbox?to=${encodeURIComponent(`nobody-${crypto.randomUUID()}@example.com`)}`);
    expect(await other.json()).toEqual({ messages: [] });
  });

  it("answers 400 VALIDATION_ERROR for a missing or malformed address", async ({ expect }) => {
    for (const query of ["", "?to=", "?to=not-an-email", `?to=${"a".repeat(300)}@example.com`]) {
      const res = await exports.default.fetch(`${BASE}/dev/mailbox${query}`);
      expect(res.status).toBe(400);
      expect((await res.json<{ error: { code: string } }>()).error.code).toBe("VALIDATION_ERROR");
    }
  });
});

describe("dev push outbox through the real PUSH queue", () => {
  it("keeps, per device, what would have gone to FCM", async ({ expect }) => {
    const user = await createUser();
    const [phone, tablet] = [`tok-${crypto.randomUUID()}`, `tok-${crypto.randomUUID()}`];
    const phoneId = await registerDevice(user, phone, "android");
    const tabletId = await registerDevice(await signInAgain(user), tablet, "ios");
    const conversationId = crypto.randomUUID();
    await env.PUSH_QUEUE.send({
      kind: "message",
      idempotency_key: uniqueKey("msg"),
      request_id: "req-outbox",
      user_id: user.user.id,
      conversation_id: conversationId,
      seq: 3,
      sender_id: crypto.randomUUID(),
    });
    const box = await pollDev<OutboxList>(`/dev/push-outbox?user_id=${user.user.id}`, (o) => o.messages.length >= 2);
    const byDevice = new Map(box.messages.map((m) => [m.device_id, m]));
    expect(byDevice.get(phoneId)).toMatchObject({ push_token: phone, data: { kind: "message", conversation_id: conversationId, seq: "3" } });
    expect(byDevice.get(tabletId)).toMatchObject({ push_token: tablet, data: { kind: "message", conversation_id: conversationId, seq: "3" } });
    expect(box.messages.every((m) => m.notification === undefined)).toBe(true);
  });

  it("shows a generic, content-free notification for an incoming call", async ({ expect }) => {
    const user = await createUser();
    await registerDevice(user, `tok-${crypto.randomUUID()}`, "ios");
    await env.PUSH_QUEUE.send({
      kind: "incoming_call",
      idempotency_key: uniqueKey("call"),
      request_id: "req-outbox",
      user_id: user.user.id,
      call_id: crypto.randomUUID(),
      conversation_id: crypto.randomUUID(),
      caller_id: crypto.randomUUID(),
      call_type: "audio",
    });
    const box = await pollDev<OutboxList>(`/dev/push-outbox?user_id=${user.user.id}`, (o) => o.messages.length > 0);
    expect(box.messages[0]).toMatchObject({ data: { kind: "incoming_call", call_type: "audio" }, notification: { title: "Incoming audio call" } });
  });

  it("answers 400 VALIDATION_ERROR without a user id", async ({ expect }) => {
    const res = await exports.default.fetch(`${BASE}/dev/push-outbox`);
    expect(res.status).toBe(400);
  });
});

describe("/dev/* in production", () => {
  const production = { ...env, ENVIRONMENT: "production" };
  const call = (path: string) => gateway.fetch(new Request(`${BASE}${path}`), production, createExecutionContext());

  it("does not exist: 404 NOT_FOUND envelope, even for requests that would be invalid", async ({ expect }) => {
    for (const path of ["/dev/mailbox?to=a@example.com", "/dev/mailbox", "/dev/push-outbox?user_id=x", "/dev/push-outbox"]) {
      const res = await call(path);
      expect(res.status).toBe(404);
      const body = await res.json<{ error: { code: string; request_id: string } }>();
      expect(body.error.code).toBe("NOT_FOUND");
    }
  });

  it("is refused by the services too, not only by the gateway", async ({ expect }) => {
    const mail = await new AuthService(createExecutionContext(), production).devMailbox({ requestId: "r" }, { to: "a@example.com" });
    const push = await new ChatService(createExecutionContext(), production).devPushOutbox({ requestId: "r" }, { user_id: "u" });
    expect(mail).toMatchObject({ ok: false, error: { code: "NOT_FOUND" } });
    expect(push).toMatchObject({ ok: false, error: { code: "NOT_FOUND" } });
  });
});
