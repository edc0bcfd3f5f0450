/**
 * The text and HTML of each email kind. User data (the username) is HTML-escaped in the HTML
 * part; the token is base64url by construction but is escaped all the same.
 */
import type { EmailJob } from "../../../../lib/contracts/queues";

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

const PRODUCT = "SecureConnect";

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

interface Copy {
  subject: string;
  intro: string;
  action: string;
  ignore: string;
}

const COPY: Record<EmailJob["kind"], Copy> = {
  verify_email: {
    subject: `Verify your ${PRODUCT} email address`,
    intro: `welcome to ${PRODUCT}. Please confirm that this is your email address.`,
    action: "Enter this verification code in the app:",
    ignore: `If you did not create a ${PRODUCT} account, you can ignore this email.`,
  },
  password_reset: {
    subject: `Reset your ${PRODUCT} password`,
    intro: "someone (hopefully you) asked to reset the password of your account.",
    action: "Enter this reset code in the app to choose a new password:",
    ignore: "If you did not ask for this, ignore this email: your password stays unchanged.",
  },
  data_export_ready: {
    subject: `Your ${PRODUCT} data export is ready`,
    intro: "the copy of your data you asked for is ready.",
    action: "Download it (one JSON Lines file) from this link:",
    ignore: "If you did not ask for it, change your password: someone else may be signed in to your account.",
  },
};

/** What the email carries (a one-time code, or the export's link) and how long it works. */
function payload(job: EmailJob): { line: string; value: string; validity: string } {
  if (job.kind === "data_export_ready") return { line: `Link: ${job.link}`, value: job.link, validity: `The link works until ${job.expires_at}.` };
  return { line: `Code: ${job.token}`, value: job.token, validity: "The code works once." };
}

/** The code line is stable ("Code: <token>") so the dev mailbox and tests can read it back. */
export function renderEmail(job: EmailJob): RenderedEmail {
  const copy = COPY[job.kind];
  const { line, value, validity } = payload(job);
  const name = job.username.replace(/[\r\n\t]+/g, " ").trim() || "there";
  const text = [`Hi ${name},`, "", copy.intro, "", copy.action, "", line, "", validity, copy.ignore, "", `-- ${PRODUCT}`, ""].join("\n");
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(copy.subject)}</title></head>
<body style="font-family:-apple-system,Segoe UI,Roboto,sans-serif;line-height:1.5;color:#111">
<p>Hi ${escapeHtml(name)},</p>
<p>${escapeHtml(copy.intro)}</p>
<p>${escapeHtml(copy.action)}</p>
<p style="font-size:18px;font-family:monospace;background:#f3f3f3;padding:12px;word-break:break-all">${escapeHtml(value)}</p>
<p>${escapeHtml(validity)} ${escapeHtml(copy.ignore)}</p>
<p>&mdash; ${PRODUCT}</p>
</body></html>
`;
  return { subject: copy.subject, text, html };
}

/** Reads the export link back out of a rendered text body (tests). */
export function linkFromText(text: string): string | undefined {
  return /^Link: (\S+)$/m.exec(text)?.[1];
}

/** Reads the code back out of a rendered text body (dev mailbox consumers, tests). */
export function codeFromText(text: string): string | undefined {
  return /^Code: (\S+)$/m.exec(text)?.[1];
}
