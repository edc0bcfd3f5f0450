/**
 * Chat test client: REST calls and real WebSockets through the gateway, as an app would make them.
 */
import { exports } from "cloudflare:workers";
import type { ConversationView, MessageView } from "../../lib/contracts/chat";
import { serverFrameSchema, type ServerFrame } from "../../lib/contracts/chat-frames";
import { BASE, type TestUser } from "../helpers/auth";

export async function api(user: TestUser | null, method: string, path: string, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = user ? { ...user.headers } : { "Content-Type": "application/json" };
  return exports.default.fetch(`${BASE}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
  });
}

export async function json<T>(res: Response, status: number): Promise<T> {
  const text = await res.text();
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${text.slice(0, 500)}`);
  return JSON.parse(text) as T;
}

export async function createGroup(owner: TestUser, members: TestUser[], name = "group"): Promise<ConversationView> {
  const res = await api(owner, "POST", "/v1/conversations", { type: "group", name, member_ids: members.map((m) => m.user.id) });
  return (await json<{ conversation: ConversationView }>(res, 201)).conversation;
}

export async function sendRest(user: TestUser, conversationId: string, message: Record<string, unknown>): Promise<{ status: number; message: MessageView }> {
  const res = await api(user, "POST", `/v1/conversations/${conversationId}/messages`, message);
  const text = await res.text();
  if (res.status !== 201 && res.status !== 200) throw new Error(`send answered ${res.status}: ${text.slice(0, 300)}`);
  return { status: res.status, message: (JSON.parse(text) as { message: MessageView }).message };
}

export async function ticketFor(user: TestUser): Promise<string> {
  const res = await api(user, "POST", "/v1/ws/ticket");
  return (await json<{ ticket: string }>(res, 201)).ticket;
}

/** A live socket that buffers every frame; `next` consumes the first frame matching a predicate. */
export class ChatSocket {
  readonly frames: ServerFrame[] = [];
  private waiters: { match: (f: ServerFrame) => boolean; resolve: (f: ServerFrame) => void }[] = [];
  closeCode: number | null = null;
  private closeWaiters: ((code: number) => void)[] = [];

  constructor(readonly ws: WebSocket) {
    ws.addEventListener("message", (event) => {
      const frame = serverFrameSchema.parse(JSON.parse(String(event.data)));
      const waiter = this.waiters.find((w) => w.match(frame));
      if (waiter) {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        waiter.resolve(frame);
      } else this.frames.push(frame);
    });
    ws.addEventListener("close", (event) => {
      this.closeCode = event.code;
      for (const w of this.closeWaiters) w(event.code);
    });
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  next<T extends ServerFrame["type"]>(
    type: T,
    match: (f: Extract<ServerFrame, { type: T }>) => boolean = () => true,
  ): Promise<Extract<ServerFrame, { type: T }>> {
    const test = (f: ServerFrame): f is Extract<ServerFrame, { type: T }> => f.type === type && match(f as Extract<ServerFrame, { type: T }>);
    const index = this.frames.findIndex(test);
    if (index >= 0) {
      const [frame] = this.frames.splice(index, 1);
      return Promise.resolve(frame as Extract<ServerFrame, { type: T }>);
    }
    return new Promise((resolve) => this.waiters.push({ match: test, resolve: (f) => resolve(f as Extract<ServerFrame, { type: T }>) }));
  }

  closed(): Promise<number> {
    if (this.closeCode !== null) return Promise.resolve(this.closeCode);
    return new Promise((resolve) => this.closeWaiters.push(resolve));
  }

  close(): void {
    this.ws.close(1000, "done");
  }

  /** Closes and waits for the server's side of the handshake, so no work outlives the test. */
  async end(): Promise<void> {
    if (this.closeCode === null) this.close();
    await this.closed();
  }
}

/** Opens `/v1/ws/chat` with a fresh ticket (or a bearer header) and waits for `ready`. */
export async function connect(
  user: TestUser,
  conversationId: string,
  opts: { sinceSeq?: number; bearer?: boolean; batch?: boolean } = {},
): Promise<{ socket: ChatSocket; ready: Extract<ServerFrame, { type: "ready" }> }> {
  const res = await upgrade(user, conversationId, opts);
  const ws = res.webSocket;
  if (res.status !== 101 || !ws) throw new Error(`upgrade answered ${res.status}: ${await res.text()}`);
  ws.accept();
  const socket = new ChatSocket(ws);
  return { socket, ready: await socket.next("ready") };
}

export async function upgrade(
  user: TestUser,
  conversationId: string,
  opts: { sinceSeq?: number; bearer?: boolean; ticket?: string; batch?: boolean | string } = {},
): Promise<Response> {
  const params = new URLSearchParams({ conversation_id: conversationId });
  if (opts.sinceSeq !== undefined) params.set("since_seq", String(opts.sinceSeq));
  if (opts.batch !== undefined) params.set("batch", opts.batch === true ? "1" : opts.batch === false ? "0" : opts.batch);
  const headers: Record<string, string> = { Upgrade: "websocket" };
  if (opts.bearer) headers.Authorization = `Bearer ${user.accessToken}`;
  else params.set("ticket", opts.ticket ?? (await ticketFor(user)));
  return exports.default.fetch(`${BASE}/v1/ws/chat?${params.toString()}`, { headers });
}
