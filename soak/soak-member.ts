import WebSocket from "ws";
import * as z from "zod";
import { SecureConnectClient, type ChatConnection, type WebSocketConstructor } from "../client/src/index";
import { FlakyProxy } from "../scripts/lib/flaky-proxy.mjs";
import type { MemberView } from "./verify";

/** Only what the soak reads of a raw server frame: the seqs of `message` / `messages` frames. */
const rawMessageFrameSchema = z.union([
  z.object({ type: z.literal("message"), message: z.object({ seq: z.number() }) }),
  z.object({ type: z.literal("messages"), messages: z.array(z.object({ seq: z.number() })) }),
]);

export const SOAK_PASSWORD = "soak correct horse battery";

/**
 * `ws` with the member's client address on the upgrade (the gateway counts per-IP limits by
 * CF-Connecting-IP, which `wrangler dev` passes through) and a tap on the raw frames. The tap runs
 * before the SDK's handler and only while the SDK still holds the socket (it nulls `onmessage` when
 * it lets a socket go), so it records exactly what the server sent to the SDK.
 */
function tappedWebSocket(ip: string, onRaw: (text: string) => void): WebSocketConstructor {
  return class TappedWebSocket extends WebSocket {
    constructor(url: string) {
      super(url, { headers: { "cf-connecting-ip": ip } });
      this.on("message", (data, isBinary) => {
        if (!isBinary && this.onmessage !== null) onRaw(data.toString());
      });
    }
  };
}

/** One soak member: a real SDK client behind its own flaky proxy, sending into and reading one room. */
export class SoakMember {
  readonly client: SecureConnectClient;
  readonly view: MemberView = { delivered: [], raw: [] };
  /** client_id → seq of this member's acknowledged sends. */
  readonly acked = new Map<string, number>();
  /** Sends the server refused for good (SendRejected) or that failed otherwise. */
  readonly failures: string[] = [];
  private conn: ChatConnection | null = null;
  private inFlight = new Set<Promise<void>>();

  private constructor(
    readonly name: string,
    readonly ip: string,
    readonly proxy: FlakyProxy,
  ) {
    this.client = new SecureConnectClient({
      baseUrl: proxy.url,
      fetch: (input, init) => {
        const headers = new Headers(init?.headers);
        headers.set("cf-connecting-ip", ip);
        return fetch(input, { ...init, headers });
      },
      WebSocket: tappedWebSocket(ip, (text) => this.onRaw(text)),
      heartbeatMs: 2_000,
      heartbeatTimeoutMs: 4_000,
      connectTimeoutMs: 5_000,
      backoff: { initialMs: 100, maxMs: 1_000 },
    });
  }

  static async create(stackUrl: string, name: string, ip: string): Promise<SoakMember> {
    return new SoakMember(name, ip, await FlakyProxy.start(stackUrl));
  }

  get userId(): string {
    const id = this.client.userId;
    if (!id) throw new Error(`${this.name} is not signed in`);
    return id;
  }

  async register(run: string): Promise<void> {
    await this.client.api.auth.register({ email: `${run}-${this.name}@soak.example`, username: `${run}_${this.name}`.slice(0, 30), password: SOAK_PASSWORD });
  }

  /** Opens the room from seq 0, so every message of the room must reach this member. */
  async join(conversationId: string): Promise<void> {
    const conn = this.client.chat(conversationId, { sinceSeq: 0 });
    conn.on("message", (m) => this.view.delivered.push({ seq: m.seq, client_id: m.client_id }));
    this.conn = conn;
    await conn.once("ready");
  }

  /** Queues one message; the ack (seq) lands in `acked` whenever it comes. */
  send(body: string): void {
    const conn = this.connection();
    const flight: Promise<void> = conn.send({ body }).then(
      ({ client_id, seq }) => {
        this.acked.set(client_id, seq);
      },
      (err: unknown) => {
        this.failures.push(err instanceof Error ? `${err.name}: ${err.message}` : String(err));
      },
    );
    const tracked = flight.finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }

  get pending(): number {
    return this.inFlight.size;
  }

  get lastSeq(): number {
    return this.connection().lastSeq ?? 0;
  }

  close(): Promise<void> {
    this.conn?.close();
    return this.proxy.close();
  }

  private connection(): ChatConnection {
    if (!this.conn) throw new Error(`${this.name} has not joined a room`);
    return this.conn;
  }

  private onRaw(text: string): void {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return;
    }
    const frame = rawMessageFrameSchema.safeParse(json);
    if (!frame.success) return;
    if (frame.data.type === "message") this.view.raw.push(frame.data.message.seq);
    else for (const m of frame.data.messages) this.view.raw.push(m.seq);
  }
}
