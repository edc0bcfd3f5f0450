/**
 * A real SMTP relay (npm `smtp-server`: STARTTLS with a certificate generated at test time, AUTH
 * required) and a real `wrangler dev` of the gateway + auth worker configured to send through it.
 * workerd trusts the generated certificate through NODE_EXTRA_CA_CERTS, which Miniflare adds to
 * the trust store of workerd's outbound network, so the worker's `startTls()` verifies it like a
 * public certificate: STARTTLS is exercised for real, with no verification switched off.
 * The stack is separate from the shared e2e stack because configuring SMTP turns the dev mailbox
 * off, which other e2e suites rely on.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { freePort } from "../scripts/lib/free-port.mjs";
import { tmpdir } from "node:os";
import path from "node:path";
import { simpleParser, type ParsedMail } from "mailparser";
import { SMTPServer, type SMTPServerSession } from "smtp-server";
import { devSecrets } from "../scripts/lib/dev-secrets.mjs";

const root = path.resolve(import.meta.dirname, "..");
const wrangler = path.join(root, "node_modules", ".bin", "wrangler");

export interface ReceivedMail {
  parsed: ParsedMail;
  raw: string;
  envelopeTo: string[];
  /** True when the session had been upgraded with STARTTLS before DATA. */
  secure: boolean;
  user: string | undefined;
}

export interface SmtpStack {
  baseUrl: string;
  received: ReceivedMail[];
  /** RCPT TO addresses the relay saw, in order (refused ones included). */
  recipients: string[];
  logs: () => string;
  stop: () => Promise<void>;
}

export const SMTP_USER = "relay-user";
export const SMTP_PASS = `relay-${Math.random().toString(36).slice(2)}`;

function selfSignedCert(dir: string): { key: string; cert: string; certPath: string } {
  const keyPath = path.join(dir, "key.pem");
  const certPath = path.join(dir, "cert.pem");
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "1",
      "-keyout",
      keyPath,
      "-out",
      certPath,
      "-subj",
      "/CN=localhost",
      "-addext",
      "subjectAltName=DNS:localhost,IP:127.0.0.1",
    ],
    { stdio: "ignore" },
  );
  return { key: readFileSync(keyPath, "utf8"), cert: readFileSync(certPath, "utf8"), certPath };
}

/** Recipients whose local part says how the relay answers RCPT TO (real relays' behaviours). */
function rcptVerdict(address: string, seen: Map<string, number>): Error | undefined {
  const count = (seen.get(address) ?? 0) + 1;
  seen.set(address, count);
  const reply = (code: number, text: string) => Object.assign(new Error(text), { responseCode: code });
  if (address.startsWith("bounce-")) return reply(550, "5.1.1 No such user");
  if (address.startsWith("greylist-") && count === 1) return reply(451, "4.7.1 Greylisted, try again later");
  return undefined;
}

async function startRelay(
  tls: { key: string; cert: string },
  received: ReceivedMail[],
  recipients: string[],
): Promise<{ port: number; close: () => Promise<void> }> {
  const seen = new Map<string, number>();
  const server = new SMTPServer({
    key: tls.key,
    cert: tls.cert,
    secure: false,
    authMethods: ["PLAIN", "LOGIN"],
    // Refuse AUTH on a cleartext connection, as production relays do.
    allowInsecureAuth: false,
    size: 1024 * 1024,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === SMTP_USER && auth.password === SMTP_PASS) callback(null, { user: auth.username });
      else callback(new Error("535 5.7.8 Authentication failed"));
    },
    onRcptTo(address, _session, callback) {
      recipients.push(address.address);
      callback(rcptVerdict(address.address, seen) ?? null);
    },
    onData(stream, session: SMTPServerSession, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        const raw = Buffer.concat(chunks).toString("utf8");
        simpleParser(raw)
          .then((parsed) => {
            received.push({
              parsed,
              raw,
              envelopeTo: session.envelope.rcptTo.map((r) => r.address),
              secure: session.secure,
              user: typeof session.user === "string" ? session.user : undefined,
            });
            callback();
          })
          .catch((err: unknown) => callback(err instanceof Error ? err : new Error("unparseable message")));
      });
    },
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return { port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

function run(args: string[], env: NodeJS.ProcessEnv): void {
  const result = spawnSync(wrangler, args, { cwd: root, env, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`wrangler ${args.join(" ")} failed: ${result.stderr}`);
}

/** Waits until the URL answers at all (any status): the worker is listening. */
async function waitForHttp(url: string, child: ChildProcess, logs: () => string, deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with ${child.exitCode}:\n${logs().slice(-3000)}`);
    try {
      await fetch(url);
      return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`wrangler dev did not start in time:\n${logs().slice(-3000)}`);
}

interface Started {
  url: string;
  child: ChildProcess;
  stop: () => Promise<void>;
}

async function startWrangler(configArgs: string[], env: NodeJS.ProcessEnv, output: string[]): Promise<Started> {
  const [port, inspector] = [await freePort(), await freePort()];
  const child = spawn(
    wrangler,
    ["dev", ...configArgs, "--port", String(port), "--inspector-port", String(inspector), "--ip", "127.0.0.1", "--show-interactive-dev-session=false"],
    { cwd: root, env, stdio: ["ignore", "pipe", "pipe"], detached: true },
  );
  child.stdout?.on("data", (d: Buffer) => output.push(d.toString()));
  child.stderr?.on("data", (d: Buffer) => output.push(d.toString()));
  const stop = async () => {
    if (child.pid === undefined || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {
      // already gone
    }
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  };
  return { url: `http://127.0.0.1:${port}`, child, stop };
}

/**
 * `wrangler dev --var` only reaches the first (gateway) config, so the auth worker gets its SMTP
 * settings from a copy of its config (absolute paths) next to its own .dev.vars in a temp dir.
 */
function writeAuthConfig(dir: string, relayPort: number): string {
  const source = readFileSync(path.join(root, "workers/auth/wrangler.toml"), "utf8");
  const config = source
    .replace(/^main = "src\/index.ts"$/m, `main = ${JSON.stringify(path.join(root, "workers/auth/src/index.ts"))}`)
    .replace(/^migrations_dir = ".*"$/m, `migrations_dir = ${JSON.stringify(path.join(root, "schema/migrations/d1"))}`)
    .replace(/^ENVIRONMENT = "production"$/m, 'ENVIRONMENT = "development"')
    .replace(/^SMTP_HOST = ""$/m, 'SMTP_HOST = "localhost"')
    .replace(/^SMTP_PORT = "\d+"$/m, `SMTP_PORT = "${relayPort}"`)
    .replace(/^SMTP_FROM = ""$/m, 'SMTP_FROM = "SecureConnect <no-reply@secureconnect.test>"');
  for (const expected of ['ENVIRONMENT = "development"', 'SMTP_HOST = "localhost"', `SMTP_PORT = "${relayPort}"`, "no-reply@secureconnect.test", root]) {
    if (!config.includes(expected)) throw new Error(`workers/auth/wrangler.toml changed shape: could not set ${expected}`);
  }
  const configPath = path.join(dir, "auth.wrangler.toml");
  writeFileSync(configPath, config);
  const secrets = { ...devSecrets().auth, SMTP_USERNAME: SMTP_USER, SMTP_PASSWORD: SMTP_PASS };
  writeFileSync(
    path.join(dir, ".dev.vars"),
    Object.entries(secrets)
      .map(([k, v]) => `${k}='${v}'`)
      .join("\n"),
    { mode: 0o600 },
  );
  return configPath;
}

/** `trustRelayCertificate: false` leaves the generated certificate untrusted (TLS must then fail). */
export async function startSmtpStack(options: { trustRelayCertificate?: boolean } = {}): Promise<SmtpStack> {
  const dir = mkdtempSync(path.join(tmpdir(), "sc-smtp-"));
  const tls = selfSignedCert(dir);
  const received: ReceivedMail[] = [];
  const recipients: string[] = [];
  const relay = await startRelay(tls, received, recipients);
  const persist = path.join(dir, "state");
  const authConfig = writeAuthConfig(dir, relay.port);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...(options.trustRelayCertificate === false ? {} : { NODE_EXTRA_CA_CERTS: tls.certPath }),
    // Its own dev registry: never bind to (or be bound by) the workers of another `wrangler dev`.
    WRANGLER_REGISTRY_PATH: path.join(dir, "registry"),
    CI: "true",
    CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_HYPERDRIVE: "postgres://unused:unused@127.0.0.1:9/unused",
  };
  run(["d1", "migrations", "apply", "secureconnect", "--local", "--persist-to", persist, "-c", authConfig], env);
  const output: string[] = [];
  const logs = () => output.join("");
  // Two processes joined by their own dev registry: the auth worker runs from a generated config
  // that points SMTP at the test relay, the gateway from the real one (it reaches auth through the
  // registry). This also proves the workers find each other across processes.
  const auth = await startWrangler(["-c", authConfig, "--persist-to", persist], env, output);
  let gateway: Started | undefined;
  const stop = async () => {
    for (const started of [gateway, auth]) await started?.stop();
    await relay.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForHttp(`${auth.url}/`, auth.child, logs, Date.now() + 150_000);
    gateway = await startWrangler(["-c", "wrangler.toml", "--var", "ENVIRONMENT:development", "--persist-to", path.join(dir, "gateway-state")], env, output);
    await waitForHttp(`${gateway.url}/health`, gateway.child, logs, Date.now() + 150_000);
  } catch (err) {
    await stop();
    throw err;
  }
  const baseUrl = gateway.url;
  return { baseUrl, received, recipients, logs, stop };
}
