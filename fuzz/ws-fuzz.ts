import WebSocket from "ws";
import { serverFrameSchema } from "../lib/contracts/chat-frames";
import { signalingServerFrameSchema, SIGNALING_CLOSE } from "../lib/contracts/call-frames";
import { CLOSE_CODES } from "../lib/contracts/chat-frames";
import { deepNestingText } from "./schema-arbitrary";
import { call, nextClientIp, type Actor, type Fixtures } from "./stack-fixtures";

/**
 * Hostile frames on `/v1/ws/chat` and `/v1/ws/signaling`: each must get an `error` frame (the socket
 * stays open) or a documented close code, and never take the server down; after the barrage a valid
 * frame still works.
 */

export interface WsFinding {
  socket: "chat" | "signaling";
  frame: string;
  problem: string;
}

/** Close codes a hostile frame may end a socket with: the rooms' own, and RFC 6455's for invalid UTF-8 (1007) and too big (1009). */
const CHAT_CLOSES = new Set<number>([CLOSE_CODES.removed, CLOSE_CODES.unauthenticated, 1007, 1009]);
const SIGNALING_CLOSES = new Set<number>([...Object.values(SIGNALING_CLOSE), 1007, 1009]);

type Frame = { label: string; data: string | Buffer; binary?: boolean };

class Socket {
  readonly frames: unknown[] = [];
  closed: { code: number; reason: string } | undefined;
  private wake: Array<() => void> = [];
  constructor(readonly ws: WebSocket) {
    ws.on("message", (data, isBinary) => {
      let parsed: unknown;
      try {
        parsed = isBinary ? { binary: true } : JSON.parse(String(data));
      } catch {
        parsed = { unparsable: String(data).slice(0, 200) };
      }
      this.frames.push(parsed);
      this.notify();
    });
    ws.on("close", (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.notify();
    });
    ws.on("error", () => this.notify());
  }
  private notify(): void {
    for (const w of this.wake.splice(0)) w();
  }
  async next(from: number, match: (f: unknown) => boolean, timeoutMs: number): Promise<unknown> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.frames.slice(from).find(match);
      if (found !== undefined || this.closed !== undefined) return found;
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
  close(): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.close(1000);
  }
}

async function open(fixtures: Fixtures, actor: Actor, path: string): Promise<Socket> {
  const ticket = await call(fixtures.base, "POST", "/v1/ws/ticket", undefined, actor.token);
  const value = (ticket.json as { ticket?: unknown } | null)?.ticket;
  if (typeof value !== "string") throw new Error(`ticket answered ${ticket.status}`);
  const url = `${fixtures.base.replace(/^http/, "ws")}${path}&ticket=${encodeURIComponent(value)}`;
  const ws = new WebSocket(url, { headers: { "cf-connecting-ip": nextClientIp() } });
  const socket = new Socket(ws);
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
    ws.once("unexpected-response", (_req, res) => reject(new Error(`upgrade refused with ${res.statusCode}`)));
  });
  return socket;
}

const isType = (type: string) => (f: unknown) => f !== null && typeof f === "object" && (f as { type?: unknown }).type === type;

function hostileFrames(others: { userId: string; fileId: string }): Frame[] {
  const lone = JSON.stringify({ type: "send", client_id: "fz-lone", body: "a\ud800b" }); // JSON.stringify writes the lone surrogate as \ud800
  return [
    { label: "not JSON", data: "hello there" },
    { label: "empty text", data: "" },
    { label: "truncated JSON", data: '{"type":"send"' },
    { label: "JSON null", data: "null" },
    { label: "JSON number", data: "42" },
    { label: "JSON array", data: "[]" },
    { label: "binary", data: Buffer.from([0, 1, 2, 3, 255]), binary: true },
    { label: "binary JSON", data: Buffer.from('{"type":"ping"}'), binary: true },
    { label: "invalid UTF-8 text", data: Buffer.from([0x7b, 0xed, 0xa0, 0x80, 0x7d]), binary: false },
    { label: "huge text (100 KB)", data: `{"type":"send","client_id":"fz-huge","body":"${"h".repeat(100_000)}"}` },
    { label: "huge text (1 MB)", data: "x".repeat(1_000_000) },
    { label: "type is a number", data: JSON.stringify({ type: 123 }) },
    { label: "unknown type", data: JSON.stringify({ type: "launch_missiles" }) },
    { label: "no type", data: JSON.stringify({ client_id: "x", body: "y" }) },
    { label: "send without client_id", data: JSON.stringify({ type: "send", body: "x" }) },
    { label: "send with body and ciphertext", data: JSON.stringify({ type: "send", client_id: "fz-both", body: "a", ciphertext: "b" }) },
    { label: "send with wrong field types", data: JSON.stringify({ type: "send", client_id: 7, body: ["x"] }) },
    { label: "send with lone surrogate", data: lone },
    { label: "send with lone surrogate client_id", data: JSON.stringify({ type: "send", client_id: "\udc00", body: "x" }) },
    { label: "send with forged sender_id", data: JSON.stringify({ type: "send", client_id: "fz-sender", body: "x", sender_id: others.userId }) },
    {
      label: "send with 11 attachments",
      data: JSON.stringify({ type: "send", client_id: "fz-att", body: "x", attachments: Array.from({ length: 11 }, (_, i) => `f${i}`) }),
    },
    { label: "send with reply_to_seq 0", data: JSON.stringify({ type: "send", client_id: "fz-reply", body: "x", reply_to_seq: 0 }) },
    { label: "send body over 64 KiB", data: JSON.stringify({ type: "send", client_id: "fz-64k", body: "b".repeat(65_537) }) },
    { label: "read with negative seq", data: JSON.stringify({ type: "read", seq: -1 }) },
    { label: "read with string seq", data: JSON.stringify({ type: "read", seq: "1" }) },
    { label: "read with 1e300", data: JSON.stringify({ type: "read", seq: 1e300 }) },
    { label: "ping with extra field", data: JSON.stringify({ type: "ping", extra: 1 }) },
    { label: "deep nesting", data: deepNestingText(10_000, "[") },
    { label: "__proto__ payload", data: '{"type":"send","client_id":"fz-proto","body":"x","__proto__":{"admin":true}}' },
    { label: "offer on the chat socket", data: JSON.stringify({ type: "offer", to_user_id: others.userId, payload: { sdp: "v=0" } }) },
  ];
}

/** Frames that are valid in shape but name other users' resources: an ack or an error frame are both answers. */
function otherIdFrames(others: { userId: string; fileId: string }): Frame[] {
  return [
    {
      label: "send with another user's file as attachment",
      data: JSON.stringify({ type: "send", client_id: "fz-other-file", body: "x", attachments: [others.fileId] }),
    },
    { label: "send replying to a seq that does not exist", data: JSON.stringify({ type: "send", client_id: "fz-noseq", body: "x", reply_to_seq: 999_999 }) },
  ];
}

function signalingFrames(nonParticipant: string, peer: string): Frame[] {
  return [
    { label: "not JSON", data: "hello" },
    { label: "binary", data: Buffer.from([9, 9, 9]), binary: true },
    { label: "invalid UTF-8 text", data: Buffer.from([0x7b, 0xc3, 0x28, 0x7d]), binary: false },
    { label: "huge text (30 KB)", data: JSON.stringify({ type: "offer", to_user_id: peer, payload: { sdp: "s".repeat(30_000) } }) },
    { label: "unknown type", data: JSON.stringify({ type: "hangup_everyone" }) },
    { label: "type is an array", data: JSON.stringify({ type: ["offer"] }) },
    { label: "offer without payload", data: JSON.stringify({ type: "offer", to_user_id: peer }) },
    {
      label: "offer with forged from_user_id",
      data: JSON.stringify({ type: "offer", to_user_id: peer, from_user_id: nonParticipant, payload: { sdp: "v=0" } }),
    },
    { label: "offer with lone surrogate sdp", data: JSON.stringify({ type: "offer", to_user_id: peer, payload: { sdp: "v=0\ud800" } }) },
    { label: "ice candidate too long", data: JSON.stringify({ type: "ice_candidate", to_user_id: peer, payload: { candidate: "c".repeat(5_000) } }) },
    { label: "ice sdpMLineIndex 256", data: JSON.stringify({ type: "ice_candidate", to_user_id: peer, payload: { candidate: "c", sdpMLineIndex: 256 } }) },
    { label: "offer to a non-participant", data: JSON.stringify({ type: "offer", to_user_id: nonParticipant, payload: { sdp: "v=0" } }) },
    { label: "offer to an unknown user id", data: JSON.stringify({ type: "offer", to_user_id: "u".repeat(64), payload: { sdp: "v=0" } }) },
    { label: "offer to myself with 65 char id", data: JSON.stringify({ type: "offer", to_user_id: "u".repeat(65), payload: { sdp: "v=0" } }) },
    { label: "deep nesting", data: deepNestingText(10_000, "{") },
  ];
}

/**
 * Sends each frame and waits for an error frame (or, with `ackOk`, an ack) or a close. A close with
 * a documented code is an answer too; the socket is reopened for the next frame.
 */
async function barrage(
  kind: "chat" | "signaling",
  frames: Frame[],
  reopen: () => Promise<Socket>,
  validate: (f: unknown) => boolean,
  closes: Set<number>,
  ackOk: boolean,
  findings: WsFinding[],
): Promise<{ socket: Socket; sent: number }> {
  let socket = await reopen();
  let sent = 0;
  for (const frame of frames) {
    const from = socket.frames.length;
    socket.ws.send(frame.data, { binary: frame.binary ?? false });
    sent += 1;
    const answer = await socket.next(from, (f) => isType("error")(f) || (ackOk && isType("ack")(f)), 5_000);
    const bad = socket.frames.slice(from).filter((f) => !validate(f));
    if (bad.length > 0)
      findings.push({ socket: kind, frame: frame.label, problem: `server frame outside the contract: ${JSON.stringify(bad[0]).slice(0, 200)}` });
    if (answer === undefined) {
      if (socket.closed === undefined) findings.push({ socket: kind, frame: frame.label, problem: "no error frame within 5 s" });
      else if (!closes.has(socket.closed.code))
        findings.push({ socket: kind, frame: frame.label, problem: `closed with undocumented code ${socket.closed.code} ${socket.closed.reason}` });
      if (socket.closed !== undefined) socket = await reopen();
    }
  }
  return { socket, sent };
}

export interface WsResult {
  frames: number;
  findings: WsFinding[];
}

export async function fuzzWebSockets(fixtures: Fixtures, seed: number): Promise<WsResult> {
  const findings: WsFinding[] = [];
  const [alice, bob, eve] = fixtures.actors;
  if (alice === undefined || bob === undefined || eve === undefined) throw new Error("the socket fuzz needs three actors");
  const others = { userId: eve.id, fileId: fixtures.pools.fileIds[2] ?? "none" };
  // A fresh group and call of their own: the HTTP fuzz may have ended the fixture calls or removed members.
  const group = await call(fixtures.base, "POST", "/v1/conversations", { type: "group", name: `ws fuzz ${seed}`, member_ids: [bob.id] }, alice.token);
  const conv = (group.json as { conversation?: { id?: unknown } } | null)?.conversation?.id;
  if (typeof conv !== "string") throw new Error(`socket fuzz: group answered ${group.status}`);
  const started = await call(fixtures.base, "POST", "/v1/calls/initiate", { conversation_id: conv, type: "audio" }, alice.token);
  const callId = (started.json as { call?: { id?: unknown } } | null)?.call?.id;
  if (typeof callId !== "string") throw new Error(`socket fuzz: initiate answered ${started.status}`);
  const joined = await call(fixtures.base, "POST", `/v1/calls/${callId}/join`, undefined, bob.token);
  if (joined.status !== 200) throw new Error(`socket fuzz: join answered ${joined.status}`);
  const chatPath = `/v1/ws/chat?conversation_id=${conv}`;
  const validChat = (f: unknown) => serverFrameSchema.safeParse(f).success;
  const openChat = async () => {
    const s = await open(fixtures, alice, chatPath);
    await s.next(0, isType("ready"), 10_000);
    return s;
  };
  const chat = await barrage("chat", hostileFrames(others), openChat, validChat, CHAT_CLOSES, false, findings);
  const chat2 = await barrage("chat", otherIdFrames(others), async () => chat.socket, validChat, CHAT_CLOSES, true, findings);

  // After the barrage a valid send is acked and stored exactly once, even when sent twice.
  const clientId = `fz-final-${seed}`;
  const socket = chat2.socket;
  for (let i = 0; i < 2; i++) {
    const from = socket.frames.length;
    socket.ws.send(JSON.stringify({ type: "send", client_id: clientId, body: "after the barrage" }));
    const ack = await socket.next(from, (f) => isType("ack")(f) && (f as { client_id?: unknown }).client_id === clientId, 10_000);
    if (ack === undefined)
      findings.push({ socket: "chat", frame: "valid send after the barrage", problem: `no ack (closed: ${JSON.stringify(socket.closed)})` });
  }
  const history = await call(fixtures.base, "GET", `/v1/conversations/${conv}/messages?limit=100`, undefined, alice.token);
  const messages = (history.json as { messages?: Array<{ client_id?: unknown; sender_id?: unknown }> } | null)?.messages ?? [];
  const stored = messages.filter((m) => m.client_id === clientId && m.sender_id === alice.id).length;
  if (stored !== 1)
    findings.push({ socket: "chat", frame: "valid send after the barrage", problem: `stored ${stored} times (history answered ${history.status})` });
  socket.close();

  // Signaling: alice and bob are in the call; eve is not.
  const sigPath = `/v1/ws/signaling?call_id=${callId}`;
  const validSig = (f: unknown) => signalingServerFrameSchema.safeParse(f).success;
  const bobSig = await open(fixtures, bob, sigPath);
  const sig = await barrage("signaling", signalingFrames(eve.id, bob.id), () => open(fixtures, alice, sigPath), validSig, SIGNALING_CLOSES, false, findings);
  const from = bobSig.frames.length;
  sig.socket.ws.send(JSON.stringify({ type: "offer", to_user_id: bob.id, payload: { type: "offer", sdp: "v=0 after the barrage" } }));
  const offer = await bobSig.next(from, (f) => isType("offer")(f) && (f as { from_user_id?: unknown }).from_user_id === alice.id, 10_000);
  if (offer === undefined)
    findings.push({ socket: "signaling", frame: "valid offer after the barrage", problem: `not relayed (closed: ${JSON.stringify(sig.socket.closed)})` });
  sig.socket.close();
  bobSig.close();

  // The server is still up.
  const health = await fetch(`${fixtures.base}/health`).catch(() => undefined);
  if (health?.status !== 200) findings.push({ socket: "chat", frame: "after everything", problem: `/health answered ${health?.status ?? "nothing"}` });
  return { frames: chat.sent + chat2.sent + sig.sent + 3, findings };
}
