/**
 * A minimal SMTP submission client (RFC 5321, STARTTLS RFC 3207, AUTH PLAIN/LOGIN RFC 4954) over
 * Workers TCP sockets. One message per connection: the consumer sends few, small messages and a
 * fresh session keeps failure handling simple. Credentials are only ever sent after TLS.
 */
import { connect } from "cloudflare:sockets";
import type { SmtpSettings } from "./config";

/** "tls" = the TLS handshake and the EHLO that follows it (an untrusted certificate fails here). */
export type SmtpStage = "connect" | "greeting" | "ehlo" | "starttls" | "tls" | "auth" | "mail" | "rcpt" | "data" | "timeout";

/** A failed send. `permanent` = the server refused this recipient or message for good (5xx). */
export class SmtpError extends Error {
  override readonly name = "SmtpError";
  constructor(
    readonly stage: SmtpStage,
    readonly code: number | undefined,
    message: string,
  ) {
    super(message);
  }
  /** Only recipient/content refusals are final; a 5xx to AUTH or MAIL FROM is our configuration. */
  get permanent(): boolean {
    return this.code !== undefined && this.code >= 500 && (this.stage === "rcpt" || this.stage === "data");
  }
}

interface Reply {
  code: number;
  lines: string[];
}

const encoder = new TextEncoder();

/** Reads CRLF-terminated SMTP replies (multi-line "250-..." until "250 ..."). */
class ReplyReader {
  private buffer = "";
  private readonly decoder = new TextDecoder();
  constructor(private readonly reader: ReadableStreamDefaultReader<Uint8Array>) {}

  async read(stage: SmtpStage): Promise<Reply> {
    const lines: string[] = [];
    for (;;) {
      const line = await this.line(stage);
      if (!/^\d{3}([ -]|$)/.test(line)) throw new SmtpError(stage, undefined, "malformed SMTP reply");
      lines.push(line.slice(4));
      if (line.charAt(3) !== "-") return { code: Number(line.slice(0, 3)), lines };
    }
  }

  private async line(stage: SmtpStage): Promise<string> {
    for (;;) {
      const end = this.buffer.indexOf("\r\n");
      if (end >= 0) {
        const line = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end + 2);
        return line;
      }
      if (this.buffer.length > 64 * 1024) throw new SmtpError(stage, undefined, "SMTP reply too long");
      const { value, done } = await this.reader.read();
      if (done) throw new SmtpError(stage, undefined, "connection closed by the SMTP server");
      this.buffer += this.decoder.decode(value, { stream: true });
    }
  }

  release(): void {
    this.reader.releaseLock();
  }
}

/** Normalises line ends to CRLF and dot-stuffs lines starting with "." (RFC 5321 §4.5.2). */
export function dotStuff(data: string): string {
  return data.replace(/\r?\n/g, "\r\n").replace(/^\./gm, "..");
}

function safeAddress(address: string): string {
  if (/[\r\n<>\s]/.test(address)) throw new SmtpError("rcpt", 501, "address contains forbidden characters");
  return address;
}

function b64(value: string): string {
  let binary = "";
  for (const b of encoder.encode(value)) binary += String.fromCharCode(b);
  return btoa(binary);
}

export interface SendMailInput {
  to: string;
  /** The full RFC 5322 message (headers + body). */
  data: string;
  /** Defaults to 20 s for the whole session. */
  timeoutMs?: number;
}

export async function sendMail(settings: SmtpSettings, input: SendMailInput): Promise<void> {
  const socket = connect(
    { hostname: settings.host, port: settings.port },
    { secureTransport: settings.security === "tls" ? "on" : "starttls", allowHalfOpen: false },
  );
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new SmtpError("timeout", undefined, "SMTP session timed out")), input.timeoutMs ?? 20_000);
  });
  let active: Socket = socket;
  const progress: { stage: SmtpStage } = { stage: "connect" };
  try {
    await Promise.race([session(socket, settings, input, progress, (s) => (active = s)), timeout]);
  } catch (err) {
    // Socket and TLS failures surface as plain errors: name the stage they interrupted.
    if (err instanceof SmtpError) throw err;
    throw new SmtpError(progress.stage, undefined, `SMTP ${progress.stage} failed`);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    await active.close().catch(() => undefined);
  }
}

async function session(
  socket: Socket,
  settings: SmtpSettings,
  input: SendMailInput,
  progress: { stage: SmtpStage },
  swapped: (s: Socket) => void,
): Promise<void> {
  let reader = new ReplyReader(socket.readable.getReader() as ReadableStreamDefaultReader<Uint8Array>);
  let writer = socket.writable.getWriter();
  const send = (line: string) => writer.write(encoder.encode(`${line}\r\n`));
  const expect = async (stage: SmtpStage, ok: (code: number) => boolean): Promise<Reply> => {
    progress.stage = stage;
    const reply = await reader.read(stage);
    if (!ok(reply.code)) throw new SmtpError(stage, reply.code, `SMTP ${stage} refused with ${reply.code}`);
    return reply;
  };
  const heloName = settings.fromAddress.split("@")[1] ?? "localhost";

  try {
    await socket.opened;
  } catch {
    throw new SmtpError("connect", undefined, "could not connect to the SMTP server");
  }
  await expect("greeting", (c) => c === 220);
  await send(`EHLO ${heloName}`);
  let ehlo = await expect("ehlo", (c) => c === 250);

  if (settings.security === "starttls") {
    if (!ehlo.lines.some((l) => /^STARTTLS\b/i.test(l))) throw new SmtpError("starttls", undefined, "the SMTP server does not offer STARTTLS");
    await send("STARTTLS");
    await expect("starttls", (c) => c === 220);
    reader.release();
    writer.releaseLock();
    progress.stage = "tls";
    const secure = socket.startTls({ expectedServerHostname: settings.host });
    swapped(secure);
    reader = new ReplyReader(secure.readable.getReader() as ReadableStreamDefaultReader<Uint8Array>);
    writer = secure.writable.getWriter();
    await send(`EHLO ${heloName}`);
    ehlo = await expect("tls", (c) => c === 250);
  }

  if (settings.username !== undefined && settings.password !== undefined) {
    const mechanisms =
      ehlo.lines
        .find((l) => /^AUTH\b/i.test(l))
        ?.toUpperCase()
        .split(/\s+/) ?? [];
    if (mechanisms.includes("PLAIN")) {
      await send(`AUTH PLAIN ${b64(`\u0000${settings.username}\u0000${settings.password}`)}`);
      await expect("auth", (c) => c === 235);
    } else if (mechanisms.includes("LOGIN")) {
      await send("AUTH LOGIN");
      await expect("auth", (c) => c === 334);
      await send(b64(settings.username));
      await expect("auth", (c) => c === 334);
      await send(b64(settings.password));
      await expect("auth", (c) => c === 235);
    } else {
      throw new SmtpError("auth", undefined, "the SMTP server offers neither AUTH PLAIN nor AUTH LOGIN");
    }
  }

  await send(`MAIL FROM:<${safeAddress(settings.fromAddress)}>`);
  await expect("mail", (c) => c === 250);
  await send(`RCPT TO:<${safeAddress(input.to)}>`);
  await expect("rcpt", (c) => c === 250 || c === 251);
  await send("DATA");
  await expect("data", (c) => c === 354);
  const body = dotStuff(input.data);
  await writer.write(encoder.encode(body.endsWith("\r\n") ? `${body}.\r\n` : `${body}\r\n.\r\n`));
  await expect("data", (c) => c === 250);
  // QUIT is a courtesy: the message is accepted already, so a failure here changes nothing.
  await send("QUIT").catch(() => undefined);
}
