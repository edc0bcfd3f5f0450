import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import type { MessageView } from "../../lib/contracts/chat";
import { accountJobSchema, emailJobSchema, PUSH_TARGETS_MAX, pushJobSchema, QUEUE_MESSAGE_MAX_BYTES } from "../../lib/contracts/queues";
import auth from "../../workers/auth/src/index";
import { messagePushJobs } from "../../workers/chat/src/rooms/push-jobs";
import { uniqueEmail } from "../helpers/auth";
import { runBatch } from "./support";

const bytes = (body: unknown) => new TextEncoder().encode(JSON.stringify(body)).length;
const max = (n: number, c = "x") => c.repeat(n);

/** A stored message as the room hands it to the push producer. */
function storedMessage(body: string, seq: number): MessageView {
  return {
    id: crypto.randomUUID(),
    conversation_id: crypto.randomUUID(),
    seq,
    sender_id: crypto.randomUUID(),
    client_id: "c1",
    content_type: "text/plain",
    body,
    ciphertext: null,
    attachments: [],
    reply_to_seq: null,
    epoch: null,
    reactions: [],
    created_at: new Date().toISOString(),
    edited_at: null,
    deleted: false,
  };
}

describe("queue limits (128 KB per message, 100 per batch)", () => {
  it("the largest body every producer schema admits stays far below 128 KB", async ({ expect }) => {
    const envelope = { idempotency_key: max(128), request_id: max(128) };
    const largest = [
      emailJobSchema.parse({ ...envelope, kind: "verify_email", to: `${max(64)}@${max(180)}.com`, username: max(64), token: max(256) }),
      emailJobSchema.parse({ ...envelope, kind: "password_reset", to: `${max(64)}@${max(180)}.com`, username: max(64), token: max(256) }),
      emailJobSchema.parse({
        ...envelope,
        kind: "data_export_ready",
        to: `${max(64)}@${max(180)}.com`,
        username: max(64),
        link: `https://r2.example.com/${max(1000)}`,
        expires_at: max(64),
      }),
      accountJobSchema.parse({ ...envelope, kind: "erase_account", user_id: max(64), step: "conversations", after: max(64), pass: 2 }),
      accountJobSchema.parse({ ...envelope, kind: "erase_room", user_id: max(64), conversation_id: max(64) }),
      accountJobSchema.parse({ ...envelope, kind: "export_account", user_id: max(64), export_id: max(64), origin: max(512) }),
      pushJobSchema.parse({ ...envelope, kind: "message", user_id: max(64), conversation_id: max(64), seq: Number.MAX_SAFE_INTEGER, sender_id: max(64) }),
      pushJobSchema.parse({
        ...envelope,
        kind: "incoming_call",
        user_id: max(64),
        call_id: max(64),
        conversation_id: max(64),
        caller_id: max(64),
        call_type: "video",
      }),
      pushJobSchema.parse({ ...envelope, kind: "prekeys_low", user_id: max(64), device_id: max(128), remaining: 0 }),
    ];
    for (const body of largest) expect(bytes(body)).toBeLessThan(2 * 1024);
    expect(2 * 1024).toBeLessThan(QUEUE_MESSAGE_MAX_BYTES);
  });

  it("a wake-up carrying the most targets (longest ids) stays well below 128 KB; a 1,000-member group needs 5 queue messages", async ({ expect }) => {
    const targets = Array.from({ length: PUSH_TARGETS_MAX }, () => ({ user_id: max(64), device_id: max(128) }));
    const largest = pushJobSchema.parse({
      idempotency_key: max(128),
      request_id: max(128),
      kind: "message",
      targets,
      conversation_id: max(64),
      seq: 1,
      sender_id: max(64),
    });
    expect(bytes(largest)).toBeLessThan(QUEUE_MESSAGE_MAX_BYTES / 2);
    expect(() => pushJobSchema.parse({ ...largest, targets: [...targets, targets[0]] })).toThrow();

    const recipients = Array.from({ length: 1000 }, () => crypto.randomUUID());
    const jobs = messagePushJobs(storedMessage("hi", 1), recipients, "req");
    expect(jobs).toHaveLength(1000 / PUSH_TARGETS_MAX);
    expect(jobs.flatMap((j) => (j.kind === "message" ? (j.targets ?? []).map((t) => t.user_id) : []))).toEqual(recipients);
    for (const job of jobs) expect(bytes(job)).toBeLessThan(QUEUE_MESSAGE_MAX_BYTES / 4);
  });

  it("the chat producer's message wake-ups carry ids only, never the message text", async ({ expect }) => {
    const secret = "the plaintext nobody outside the conversation may see";
    const jobs = messagePushJobs(storedMessage(secret, 9), [crypto.randomUUID()], "req");
    expect(jobs).toHaveLength(1);
    for (const job of jobs) {
      expect(JSON.stringify(job)).not.toContain(secret);
      expect(bytes(job)).toBeLessThan(1024);
    }
  });

  it("the EMAIL consumer handles a full batch of 100 messages", async ({ expect }) => {
    const jobs = Array.from({ length: 100 }, (_, i) => ({
      kind: "verify_email",
      idempotency_key: `verify_email:${crypto.randomUUID()}`,
      request_id: `r${i}`,
      to: uniqueEmail("batch"),
      username: `u${i}`,
      token: `t${i}-${crypto.randomUUID()}`,
    }));
    const run = await runBatch("secureconnect-email", auth.queue, env, jobs);
    expect(run.explicitAcks).toEqual(run.ids);
  });
});
