import { afterAll, beforeAll, describe, it } from "vitest";
import { SMTP_USER, startSmtpStack, type ReceivedMail, type SmtpStack } from "./smtp-stack";

/**
 * The verification email travels the production path end to end: POST /v1/auth/register on a real
 * `wrangler dev` → EMAIL queue → consumer → SMTP with STARTTLS + AUTH over a Workers TCP socket →
 * a real SMTP server (npm smtp-server) → parsed by a real MIME parser (mailparser).
 */
let stack: SmtpStack;
beforeAll(async () => {
  stack = await startSmtpStack();
}, 180_000);
afterAll(async () => {
  if (process.env.E2E_KEEP_LOGS && stack) console.log(stack.logs());
  await stack?.stop();
});

let n = 0;
const email = (prefix: string) => `${prefix}-${Date.now().toString(36)}${(n += 1)}@example.com`;

async function register(address: string): Promise<{ status: number; accessToken: string }> {
  const res = await fetch(`${stack.baseUrl}/v1/auth/register`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "cf-connecting-ip": `2001:db8::${(n += 1).toString(16)}` },
    body: JSON.stringify({ email: address, username: `smtp_${Date.now().toString(36)}${n}`, password: "correct horse battery staple" }),
  });
  const text = await res.text();
  if (res.status !== 201) console.error(`register answered ${res.status}: ${text.slice(0, 500)}`);
  const body = (res.status === 201 ? JSON.parse(text) : {}) as { access_token?: string };
  return { status: res.status, accessToken: body.access_token ?? "" };
}

/** Waits for a condition on what the relay or the worker produced; the queue is asynchronous. */
async function eventually<T>(read: () => T | undefined, timeoutMs = 45_000): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (value !== undefined || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 250));
  }
}

const mailTo = (address: string) => () => stack.received.find((m: ReceivedMail) => m.envelopeTo.includes(address));

describe("email over real SMTP (STARTTLS, AUTH) from a real wrangler dev", () => {
  it("delivers the verification email, parsed by a real MIME parser, and its code verifies the account", async ({ expect }) => {
    const address = email("verify");
    const registered = await register(address);
    expect(registered.status).toBe(201);

    const mail = await eventually(mailTo(address));
    expect(mail).toBeDefined();
    if (mail === undefined) return;
    expect(mail.secure).toBe(true);
    expect(mail.user).toBe(SMTP_USER);
    expect(mail.parsed.from?.value[0]?.address).toBe("no-reply@secureconnect.test");
    expect(mail.parsed.to && !Array.isArray(mail.parsed.to) ? mail.parsed.to.value[0]?.address : undefined).toBe(address);
    expect(mail.parsed.subject).toBe("Verify your SecureConnect email address");
    expect(mail.parsed.messageId).toMatch(/@secureconnect\.test>$/);
    const token = /^Code: (\S+)$/m.exec(mail.parsed.text ?? "")?.[1];
    expect(token).toBeTruthy();
    expect(typeof mail.parsed.html === "string" && token !== undefined && mail.parsed.html.includes(token)).toBe(true);

    const verified = await fetch(`${stack.baseUrl}/v1/auth/verify-email`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${registered.accessToken}` },
      body: JSON.stringify({ token }),
    });
    expect(verified.status).toBe(200);

    // With SMTP configured, nothing lands in the dev mailbox.
    const box = await fetch(`${stack.baseUrl}/dev/mailbox?to=${encodeURIComponent(address)}`);
    expect(await box.json()).toEqual({ messages: [] });
  });

  it("retries a greylisted (451) recipient with backoff and delivers once", async ({ expect }) => {
    const address = email("greylist");
    expect((await register(address)).status).toBe(201);
    const mail = await eventually(mailTo(address), 55_000);
    expect(mail).toBeDefined();
    expect(stack.recipients.filter((r) => r === address)).toHaveLength(2);
    expect(stack.received.filter((m) => m.envelopeTo.includes(address))).toHaveLength(1);
  }, 70_000);

  it("drops a recipient the relay refuses for good (550) with a log line, without a delivery", async ({ expect }) => {
    const address = email("bounce");
    expect((await register(address)).status).toBe(201);
    const dropped = await eventually(() => (stack.logs().includes('"reason":"smtp_rcpt_550"') ? true : undefined));
    expect(dropped).toBe(true);
    expect(stack.recipients).toContain(address);
    expect(stack.received.some((m) => m.envelopeTo.includes(address))).toBe(false);
    expect(stack.logs()).not.toContain(address);
  });
});

describe("a relay whose certificate the worker cannot verify", () => {
  let untrusted: SmtpStack;
  beforeAll(async () => {
    untrusted = await startSmtpStack({ trustRelayCertificate: false });
  }, 180_000);
  afterAll(async () => {
    await untrusted?.stop();
  });

  it("gets nothing: STARTTLS fails verification before AUTH or any recipient is sent, and the job is kept for retry", async ({ expect }) => {
    const address = email("untrusted");
    const res = await fetch(`${untrusted.baseUrl}/v1/auth/register`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "cf-connecting-ip": "2001:db8::99" },
      body: JSON.stringify({ email: address, username: `untrusted_${Date.now().toString(36)}`, password: "correct horse battery staple" }),
    });
    expect(res.status).toBe(201);
    const retried = await eventually(() => (untrusted.logs().includes('"reason":"smtp_tls_0"') ? true : undefined));
    expect(retried).toBe(true);
    expect(untrusted.recipients).toEqual([]);
    expect(untrusted.received).toEqual([]);
  });
});
