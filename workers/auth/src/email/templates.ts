/**
 * The text and HTML of each email kind. User data (the username) is HTML-escaped in the HTML
 * part; the token is base64url by construction but is escaped all the same.
 *
 * With an app URL configured, a token-carrying email also links to the web app, which completes
 * the action in one click. The token rides in the URL fragment (`#verify=...`): browsers never send
 * a fragment to a server, so it reaches neither our logs nor a Referer header.
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

/** Kinds that carry a token, with the fragment key the web app reads (app/src/email-links.ts). */
type TokenJob = Extract<EmailJob, { token: string }>;
export const LINK_FRAGMENT: Record<TokenJob["kind"], string> = { verify_email: "verify", password_reset: "reset", email_change: "email-change" };

const COPY: Record<TokenJob["kind"], Copy> = {
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
  email_change: {
    subject: `Confirm your new ${PRODUCT} email address`,
    intro: `someone (hopefully you) asked to move a ${PRODUCT} account to this address.`,
    action: "Enter this code in the app to confirm the change:",
    ignore: "If you did not ask for this, ignore this email: the account keeps its current address.",
  },
};

/** "alice@example.com" → "a***@example.com": enough for the owner to recognise, little for anyone else. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf("@");
  return `${email.slice(0, Math.min(1, at))}***${email.slice(at)}`;
}

/** The one-click link for a token email, or undefined without a usable app URL. */
export function actionLink(appUrl: string | undefined, job: TokenJob): string | undefined {
  if (!appUrl) return undefined;
  let url: URL;
  try {
    url = new URL(appUrl);
  } catch {
    return undefined;
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return undefined;
  url.hash = `${LINK_FRAGMENT[job.kind]}=${encodeURIComponent(job.token)}`;
  return url.toString();
}

function page(subject: string, paragraphs: string[]): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>
<body style="font-family:-apple-system,Segoe UI,Roboto,sans-serif;line-height:1.5;color:#111">
${paragraphs.join("\n")}
<p>&mdash; ${PRODUCT}</p>
</body></html>
`;
}

const nameOf = (job: EmailJob): string => job.username.replace(/[\r\n\t]+/g, " ").trim() || "there";

/** A data export is ready: the link to the archive is the email's whole point (no code). */
function renderExportReady(job: Extract<EmailJob, { kind: "data_export_ready" }>): RenderedEmail {
  const subject = `Your ${PRODUCT} data export is ready`;
  const intro = "the copy of your data you asked for is ready. Download it (one JSON Lines file) from this link:";
  const validity = `The link works until ${job.expires_at}.`;
  const ignore = "If you did not ask for it, change your password: someone else may be signed in to your account.";
  const text = [`Hi ${nameOf(job)},`, "", intro, "", `Link: ${job.link}`, "", validity, ignore, "", `-- ${PRODUCT}`, ""].join("\n");
  const html = page(subject, [
    `<p>Hi ${escapeHtml(nameOf(job))},</p>`,
    `<p>${escapeHtml(intro)}</p>`,
    `<p style="font-size:14px;font-family:monospace;background:#f3f3f3;padding:12px;word-break:break-all">${escapeHtml(job.link)}</p>`,
    `<p>${escapeHtml(validity)} ${escapeHtml(ignore)}</p>`,
  ]);
  return { subject, text, html };
}

function renderNotice(job: Extract<EmailJob, { kind: "email_changed" }>): RenderedEmail {
  const subject = `Your ${PRODUCT} email address was changed`;
  const line = `The email address of your account was changed to ${maskEmail(job.new_email)}. Emails to this address, and links in them, no longer work for the account.`;
  const ignore = "If you did not do this, reset your password and contact support at once.";
  const text = [`Hi ${nameOf(job)},`, "", line, "", ignore, "", `-- ${PRODUCT}`, ""].join("\n");
  const html = page(subject, [`<p>Hi ${escapeHtml(nameOf(job))},</p>`, `<p>${escapeHtml(line)}</p>`, `<p>${escapeHtml(ignore)}</p>`]);
  return { subject, text, html };
}

/** The code line is stable ("Code: <token>") so the dev mailbox and tests can read it back; so is "Link: <url>". */
export function renderEmail(job: EmailJob, appUrl?: string): RenderedEmail {
  if (job.kind === "email_changed") return renderNotice(job);
  if (job.kind === "data_export_ready") return renderExportReady(job);
  const copy = COPY[job.kind];
  const name = nameOf(job);
  const link = actionLink(appUrl, job);
  const text = [
    `Hi ${name},`,
    "",
    copy.intro,
    "",
    ...(link ? ["Open this link to do it in one click:", "", `Link: ${link}`, "", "Or, in the app:"] : []),
    copy.action,
    "",
    `Code: ${job.token}`,
    "",
    "The code works once.",
    copy.ignore,
    "",
    `-- ${PRODUCT}`,
    "",
  ].join("\n");
  const html = page(copy.subject, [
    `<p>Hi ${escapeHtml(name)},</p>`,
    `<p>${escapeHtml(copy.intro)}</p>`,
    ...(link
      ? [
          `<p><a href="${escapeHtml(link)}" style="display:inline-block;background:#1d4ed8;color:#fff;padding:10px 16px;border-radius:6px;text-decoration:none">Open ${PRODUCT}</a></p>`,
          "<p>Or, in the app:</p>",
        ]
      : []),
    `<p>${escapeHtml(copy.action)}</p>`,
    `<p style="font-size:18px;font-family:monospace;background:#f3f3f3;padding:12px;word-break:break-all">${escapeHtml(job.token)}</p>`,
    `<p>The code works once. ${escapeHtml(copy.ignore)}</p>`,
  ]);
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
