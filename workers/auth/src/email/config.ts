/**
 * Where email goes: a real SMTP relay, the dev mailbox (development/test without SMTP), or
 * nowhere (production without SMTP: health names what is missing and producers answer 503).
 * Production never falls back to the dev mailbox: that was the seed's top defect.
 */
import { missingConfig, type HealthCheck } from "../../../../lib/contracts/health";
import { isDevelopment } from "../../../../lib/environment";

export const SMTP_SETTINGS = ["SMTP_HOST", "SMTP_PORT", "SMTP_FROM", "SMTP_USERNAME", "SMTP_PASSWORD"] as const;

export interface SmtpSettings {
  host: string;
  port: number;
  /** The From header as configured ("SecureConnect <no-reply@example.com>" or a bare address). */
  from: string;
  /** The bare sender address, for MAIL FROM and the Message-ID domain. */
  fromAddress: string;
  username?: string;
  password?: string;
  /** 465 is implicit TLS; every other port must offer STARTTLS (credentials never go in clear). */
  security: "tls" | "starttls";
}

export type EmailSink = { kind: "smtp"; smtp: SmtpSettings } | { kind: "dev_mailbox" } | { kind: "unconfigured"; missing: string[] };

/** The subset of the auth worker's env the email feature reads (secrets may be absent at runtime). */
export type EmailEnv = Pick<AuthEnv, "ENVIRONMENT" | "SMTP_HOST" | "SMTP_PORT" | "SMTP_FROM" | "SMTP_USERNAME" | "SMTP_PASSWORD">;

const ADDRESS = /^[^\s<>@"]+@[^\s<>@"]+\.[^\s<>@"]+$/;

/** "Name <a@b.c>" or "a@b.c" → "a@b.c"; undefined when it is neither. */
export function senderAddress(from: string): string | undefined {
  if (/[\r\n]/.test(from)) return undefined;
  const angled = /<([^<>]+)>\s*$/.exec(from);
  const address = (angled?.[1] ?? from).trim();
  return ADDRESS.test(address) ? address : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value.length > 0 ? value : undefined;
}

export function emailSink(env: EmailEnv): EmailSink {
  const production = !isDevelopment(env);
  if (!production && text(env.SMTP_HOST) === undefined) return { kind: "dev_mailbox" };
  const required = production ? SMTP_SETTINGS : (["SMTP_HOST", "SMTP_PORT", "SMTP_FROM"] as const);
  const missing = missingConfig(env, required);
  const port = Number(env.SMTP_PORT);
  if (!missing.includes("SMTP_PORT") && !(Number.isInteger(port) && port > 0 && port < 65536)) missing.push("SMTP_PORT");
  const fromAddress = senderAddress(env.SMTP_FROM ?? "");
  if (!missing.includes("SMTP_FROM") && fromAddress === undefined) missing.push("SMTP_FROM");
  const host = text(env.SMTP_HOST);
  if (missing.length > 0 || host === undefined || fromAddress === undefined) return { kind: "unconfigured", missing };
  const username = text(env.SMTP_USERNAME);
  const password = text(env.SMTP_PASSWORD);
  return {
    kind: "smtp",
    smtp: {
      host,
      port,
      from: env.SMTP_FROM,
      fromAddress,
      ...(username !== undefined && password !== undefined ? { username, password } : {}),
      security: port === 465 ? "tls" : "starttls",
    },
  };
}

/**
 * For the auth engineers: call before queueing an email; when false (production without SMTP)
 * the producing endpoint answers 503 SERVICE_UNAVAILABLE instead of queueing mail nobody sends.
 */
export function emailConfigured(env: EmailEnv): boolean {
  return emailSink(env).kind !== "unconfigured";
}

/** The email part of the auth worker's health: names missing settings, never their values. */
export function emailHealth(env: EmailEnv): HealthCheck {
  const sink = emailSink(env);
  if (sink.kind !== "unconfigured") return { status: "ok" };
  return { status: "error", reason: "email delivery is not configured", missing: sink.missing };
}
