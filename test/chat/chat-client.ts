/**
 * Chat test client: REST calls and real WebSockets through the gateway, as an app would make them.
 */
import { exports } from "cloudflare:workers";
import type { ConversationListItemView, ConversationView, MessageView } from "../../lib/contracts/chat";
import { serverFrameSchema, type ServerFrame } from "../../lib/contracts/chat-frames";
import type { OutboxList } from "../../lib/contracts/dev";
import { BASE, type TestUser } from "../helpers/auth";
import { FrameSocket } from "../helpers/frame-socket";

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

/** A live `/v1/ws/chat` socket (test/helpers/frame-socket.ts) checked against the chat frames. */
export class ChatSocket extends FrameSocket<ServerFrame> {
  constructor(ws: WebSocket) {
    super(ws, (json) => serverFrameSchema.parse(json));
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

/** Polls `read` until `done` (or about 6 s), for effects that arrive asynchronously (queues, presence). */
export async function until<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  let value = await read();
  for (let i = 0; i < 300 && !done(value); i++) {
    await scheduler.wait(20);
    value = await read();
  }
  return value;
}

/**
 * The user's list item of the conversation once its last message is `seq` (the room copies the list
 * view off the send path, at most once per 5 s): polled up to ~20 s, then whatever the list shows.
 */
export async function listedAt(user: TestUser, conversationId: string, seq: number): Promise<ConversationListItemView | undefined> {
  const read = async () =>
    (await json<{ conversations: ConversationListItemView[] }>(await api(user, "GET", "/v1/conversations?limit=100"), 200)).conversations.find(
      (c) => c.id === conversationId,
    );
  let item = await read();
  for (let i = 0; i < 400 && item?.last_message?.seq !== seq; i++) {
    await scheduler.wait(50);
    item = await read();
  }
  return item;
}

/** The pushes the dev outbox kept for the user (filled by the real PUSH consumer). */
export async function outbox(user: TestUser): Promise<OutboxList["messages"]> {
  return (await json<OutboxList>(await api(null, "GET", `/dev/push-outbox?user_id=${user.user.id}`), 200)).messages;
}

/** A push registration for the user's session device, so offline members get wake-ups. */
export async function registerDevice(user: TestUser): Promise<void> {
  const res = await api(user, "POST", "/v1/users/me/devices", { platform: "android", push_token: `token-${user.user.id}` });
  if (res.status !== 201) throw new Error(`device registration answered ${res.status}`);
}
