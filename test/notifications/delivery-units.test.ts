import { describe, it } from "vitest";
import { backoffSeconds, parseRetryAfter } from "../../lib/queue-delivery";
import { emailSink, senderAddress } from "../../workers/auth/src/email/config";
import { buildMime, quotedPrintable } from "../../workers/auth/src/email/mime";
import { dotStuff, SmtpError } from "../../workers/auth/src/email/smtp-client";
import { codeFromText, renderEmail } from "../../workers/auth/src/email/templates";

const job = {
  kind: "password_reset" as const,
  idempotency_key: "k".repeat(16),
  request_id: "r",
  to: "bob@example.com",
  username: "Bob\r\nBcc: evil@example.com",
  token: "abc_DEF-123",
};

describe("email building blocks", () => {
  it("keeps header injection out of the message and the code readable", ({ expect }) => {
    const email = renderEmail(job);
    expect(codeFromText(email.text)).toBe(job.token);
    const mime = buildMime({
      from: "SecureConnect <no-reply@example.com>",
      fromAddress: "no-reply@example.com",
      to: "bob@example.com\r\nBcc: x@example.com",
      email,
      messageId: "m1",
    });
    const headers = mime.split("\r\n\r\n")[0] ?? "";
    expect(headers).not.toMatch(/^Bcc:/m);
    expect(headers).toMatch(/^To: <bob@example.com Bcc: x@example.com>$/m);
    expect(headers).toMatch(/^Message-ID: <m1@example.com>$/m);
    expect(mime).not.toMatch(/[^\r]\n/);
  });

  it("quoted-printable keeps lines ≤ 76 and encodes non-ASCII, '=' and trailing spaces", ({ expect }) => {
    const encoded = quotedPrintable(`${"é".repeat(60)} = end \nsecond`);
    for (const line of encoded.split("\r\n")) expect(line.length).toBeLessThanOrEqual(76);
    expect(encoded).toContain("=C3=A9");
    expect(encoded).toContain("=3D");
    expect(encoded).toMatch(/end=20\r\nsecond$/);
  });

  it("dot-stuffs lines starting with a dot and normalises line ends", ({ expect }) => {
    expect(dotStuff(".hidden\n..two\nplain\r\n.")).toBe("..hidden\r\n...two\r\nplain\r\n..");
  });

  it("treats only recipient/content 5xx as permanent", ({ expect }) => {
    expect(new SmtpError("rcpt", 550, "").permanent).toBe(true);
    expect(new SmtpError("data", 554, "").permanent).toBe(true);
    expect(new SmtpError("rcpt", 451, "").permanent).toBe(false);
    expect(new SmtpError("auth", 535, "").permanent).toBe(false);
    expect(new SmtpError("mail", 550, "").permanent).toBe(false);
    expect(new SmtpError("tls", undefined, "").permanent).toBe(false);
  });

  it("reads the sender address and refuses malformed ones", ({ expect }) => {
    expect(senderAddress("SecureConnect <no-reply@example.com>")).toBe("no-reply@example.com");
    expect(senderAddress("no-reply@example.com")).toBe("no-reply@example.com");
    expect(senderAddress("nobody")).toBeUndefined();
    expect(senderAddress("a@b.c\r\nBcc: x@y.z")).toBeUndefined();
    expect(
      emailSink({
        ENVIRONMENT: "development",
        SMTP_HOST: "smtp.example.com",
        SMTP_PORT: "70000",
        SMTP_FROM: "x@example.com",
        SMTP_USERNAME: "",
        SMTP_PASSWORD: "",
      }),
    ).toEqual({ kind: "unconfigured", missing: ["SMTP_PORT"] });
    expect(
      emailSink({
        ENVIRONMENT: "production",
        SMTP_HOST: "h.example.com",
        SMTP_PORT: "465",
        SMTP_FROM: "x@example.com",
        SMTP_USERNAME: "u",
        SMTP_PASSWORD: "p",
      }),
    ).toMatchObject({ kind: "smtp", smtp: { security: "tls", port: 465 } });
  });
});

describe("retry timing", () => {
  it("backs off exponentially from 10 s to a 10 minute cap, and honours Retry-After within Queues' 12 h", ({ expect }) => {
    expect([1, 2, 3, 4, 7, 20].map((a) => backoffSeconds(a))).toEqual([10, 20, 40, 80, 600, 600]);
    expect(backoffSeconds(1, 120)).toBe(120);
    expect(backoffSeconds(9, 0)).toBe(1);
    expect(backoffSeconds(1, 10 ** 9)).toBe(43_200);
  });

  it("parses Retry-After as seconds or an HTTP date", ({ expect }) => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfter("30", now)).toBe(30);
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:01:00 GMT", now)).toBe(60);
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});
