/** Helpers for the calls tests: real users, real conversations, real sockets, all through the gateway. */
import { exports } from "cloudflare:workers";
import { BASE, createUser, type TestUser } from "../helpers/auth";

export interface Answer {
  status: number;
  body: Record<string, unknown> & { error?: { code: string; message: string } };
}

/** A gateway call as `user` (anything with request headers, e.g. a TestUser), or anonymously. */
export async function api(user: { headers: Record<string, string> } | null, method: string, path: string, body?: unknown, raw?: string): Promise<Answer> {
  const headers: Record<string, string> = user ? { ...user.headers } : { "Content-Type": "application/json" };
  const init: RequestInit = { method, headers };
  if (raw !== undefined) init.body = raw;
  else if (body !== undefined) init.body = JSON.stringify(body);
  const res = await exports.default.fetch(`${BASE}${path}`, init);
  const text = await res.text();
  let parsed: Answer["body"] = {};
  try {
    parsed = text ? (JSON.parse(text) as Answer["body"]) : {};
  } catch {
    parsed = { raw: text };
  }
  return { status: res.status, body: parsed };
}

export interface CallFixture {
  users: TestUser[];
  conversationId: string;
}

/** A direct conversation (2 users) or a group (n users); users[0] created it. */
export async function conversationOf(count: number): Promise<CallFixture> {
  const users = await Promise.all(Array.from({ length: count }, () => createUser()));
  const [owner, ...others] = users;
  if (!owner) throw new Error("no users");
  const body =
    count === 2
      ? { type: "direct", member_ids: others.map((u) => u.user.id) }
      : { type: "group", name: "call group", member_ids: others.map((u) => u.user.id) };
  const res = await api(owner, "POST", "/v1/conversations", body);
  if (res.status !== 201 && res.status !== 200) throw new Error(`conversation: ${res.status} ${JSON.stringify(res.body)}`);
  const conversation = res.body.conversation as { id: string };
  return { users, conversationId: conversation.id };
}

export async function initiate(user: TestUser, conversationId: string, extra: Record<string, unknown> = {}): Promise<{ id: string; answer: Answer }> {
  const answer = await api(user, "POST", "/v1/calls/initiate", { conversation_id: conversationId, type: "audio", ...extra });
  if (answer.status !== 201) throw new Error(`initiate: ${answer.status} ${JSON.stringify(answer.body)}`);
  return { id: (answer.body.call as { id: string }).id, answer };
}

export type Frame = Record<string, unknown> & { type: string };

/** A client socket that queues every frame, so a test can await the next one of a type. */
export class TestSocket {
  private frames: Frame[] = [];
  private waiters: { type: string | undefined; resolve: (f: Frame) => void }[] = [];
  closed: { code: number } | null = null;
  private closeWaiters: ((code: number) => void)[] = [];

  constructor(readonly ws: WebSocket) {
    ws.addEventListener("message", (event) => {
      const frame = JSON.parse(String(event.data)) as Frame;
      const waiter = this.waiters.findIndex((w) => w.type === undefined || w.type === frame.type);
      if (waiter >= 0) this.waiters.splice(waiter, 1)[0]?.resolve(frame);
      else this.frames.push(frame);
    });
    ws.addEventListener("close", (event) => {
      this.closed = { code: event.code };
      for (const resolve of this.closeWaiters.splice(0)) resolve(event.code);
    });
  }

  /** The next frame (of `type`, skipping others of a different type that arrived before it). */
  next(type?: string): Promise<Frame> {
    const index = this.frames.findIndex((f) => type === undefined || f.type === type);
    if (index >= 0) return Promise.resolve(this.frames.splice(index, 1)[0] as Frame);
    return new Promise((resolve) => this.waiters.push({ type, resolve }));
  }

  /** Frames already received and not consumed. */
  pending(): Frame[] {
    return [...this.frames];
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  whenClosed(): Promise<number> {
    if (this.closed) return Promise.resolve(this.closed.code);
    return new Promise((resolve) => this.closeWaiters.push(resolve));
  }

  close(): void {
    try {
      this.ws.close(1000, "done");
    } catch {
      // already closed
    }
  }
}

/** Upgrades through the gateway with a bearer token; returns the socket or the refusal. */
export async function connect(
  path: string,
  user: TestUser | null,
  headers: Record<string, string> = {},
): Promise<{ socket: TestSocket | null; status: number; body: unknown }> {
  const res = await exports.default.fetch(`${BASE}${path}`, {
    headers: { Upgrade: "websocket", ...(user ? { Authorization: user.headers.Authorization } : {}), ...headers },
  });
  if (res.status !== 101 || !res.webSocket) return { socket: null, status: res.status, body: await res.json().catch(() => null) };
  res.webSocket.accept();
  return { socket: new TestSocket(res.webSocket), status: 101, body: null };
}

export async function signaling(user: TestUser, callId: string): Promise<TestSocket> {
  const { socket, status, body } = await connect(`/v1/ws/signaling?call_id=${callId}`, user);
  if (!socket) throw new Error(`signaling refused: ${status} ${JSON.stringify(body)}`);
  return socket;
}

export async function chatSocket(user: TestUser, conversationId: string): Promise<TestSocket> {
  const { socket, status, body } = await connect(`/v1/ws/chat?conversation_id=${conversationId}`, user);
  if (!socket) throw new Error(`chat socket refused: ${status} ${JSON.stringify(body)}`);
  await socket.next("ready");
  return socket;
}

/** A group of three in an active call: Alice started it, Bob joined, both have their signaling socket open (past `call_state`); Carol is invited. */
export async function activeGroupCall(type: "audio" | "video" = "audio") {
  const { users, conversationId } = await conversationOf(3);
  const [alice, bob, carol] = users;
  if (!alice || !bob || !carol) throw new Error("users");
  const { id } = await initiate(alice, conversationId, { type });
  await api(bob, "POST", `/v1/calls/${id}/join`);
  const aliceSig = await signaling(alice, id);
  const bobSig = await signaling(bob, id);
  await aliceSig.next("call_state");
  await bobSig.next("call_state");
  return { alice, bob, carol, id, aliceSig, bobSig };
}
