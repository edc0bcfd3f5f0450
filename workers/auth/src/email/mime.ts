/**
 * An RFC 5322 message with a multipart/alternative text + HTML body. Bodies are quoted-printable
 * (7-bit safe, lines ≤ 76), non-ASCII subjects are RFC 2047 encoded, and every header value is
 * free of CR/LF so nothing user-controlled can inject a header.
 */
import type { RenderedEmail } from "./templates";

export interface MimeInput {
  from: string;
  fromAddress: string;
  to: string;
  email: RenderedEmail;
  /** Stable per job, so a retried send carries the same Message-ID (receivers can dedupe). */
  messageId: string;
  date?: Date;
}

const encoder = new TextEncoder();

function headerValue(value: string): string {
  return value.replace(/[\r\n]+/g, " ");
}

function encodeWord(value: string): string {
  const clean = headerValue(value);
  if (/^[\x20-\x7e]*$/.test(clean)) return clean;
  let binary = "";
  for (const b of encoder.encode(clean)) binary += String.fromCharCode(b);
  return `=?UTF-8?B?${btoa(binary)}?=`;
}

/** Quoted-printable (RFC 2045 §6.7) of UTF-8 text, CRLF line breaks, soft breaks at 76 columns. */
export function quotedPrintable(text: string): string {
  const out: string[] = [];
  for (const line of text.replace(/\r\n?/g, "\n").split("\n")) {
    const bytes = encoder.encode(line);
    let encoded = "";
    let column = 0;
    bytes.forEach((b, i) => {
      const last = i === bytes.length - 1;
      const plain = (b >= 33 && b <= 126 && b !== 61) || ((b === 32 || b === 9) && !last);
      const piece = plain ? String.fromCharCode(b) : `=${b.toString(16).toUpperCase().padStart(2, "0")}`;
      if (column + piece.length > 75) {
        encoded += "=\r\n";
        column = 0;
      }
      encoded += piece;
      column += piece.length;
    });
    out.push(encoded);
  }
  return out.join("\r\n");
}

function part(contentType: string, body: string): string {
  return [`Content-Type: ${contentType}; charset=utf-8`, "Content-Transfer-Encoding: quoted-printable", "", quotedPrintable(body)].join("\r\n");
}

export function buildMime(input: MimeInput): string {
  const boundary = `sc-${crypto.randomUUID()}`;
  const domain = input.fromAddress.split("@")[1] ?? "localhost";
  const headers = [
    `From: ${headerValue(input.from)}`,
    `To: <${headerValue(input.to)}>`,
    `Subject: ${encodeWord(input.email.subject)}`,
    `Date: ${(input.date ?? new Date()).toUTCString().replace("GMT", "+0000")}`,
    `Message-ID: <${headerValue(input.messageId)}@${domain}>`,
    "MIME-Version: 1.0",
    "Auto-Submitted: auto-generated",
    `Content-Type: multipart/alternative; boundary="${boundary}"`,
  ];
  return [
    ...headers,
    "",
    `--${boundary}`,
    part("text/plain", input.email.text),
    `--${boundary}`,
    part("text/html", input.email.html),
    `--${boundary}--`,
    "",
  ].join("\r\n");
}
