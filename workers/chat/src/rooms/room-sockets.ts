import * as z from "zod";
import type { MessageView } from "../../../../lib/contracts/chat";
import { MESSAGE_BATCH, type ServerFrame } from "../../../../lib/contracts/chat-frames";
import { FrameBuckets } from "./frame-rate";

/**
 * The room's hibernatable sockets. Identity lives in the socket's attachment (it survives
 * hibernation); each socket is tagged with its user id so one user's sockets are found without a
 * scan. A per-socket token bucket rate-limits frames (./frame-rate.ts).
 */
/** `batch`: the socket asked for `messages` frames (MESSAGE_BATCH); absent in attachments written before it existed. */
const attachmentSchema = z.object({ userId: z.string().min(1), batch: z.boolean().optional() });
export type SocketIdentity = z.infer<typeof attachmentSchema>;

/** Replayed messages held in memory at a time (one batch frame's worth for batching sockets). */
const REPLAY_GROUP = 100;

export class RoomSockets {
  /** Open sockets and connections per user, rebuilt lazily after a wake-up or any open/close. */
  private snapshot: { sockets: WebSocket[]; perUser: Map<string, number> } | undefined;
  private readonly buckets = new FrameBuckets();
  /** Parsed attachments, so a frame does not pay a deserialize and a parse (rebuilt after a wake-up). */
  private readonly identities = new WeakMap<WebSocket, SocketIdentity>();

  constructor(private readonly ctx: DurableObjectState) {}

  accept(socket: WebSocket, identity: SocketIdentity): void {
    this.ctx.acceptWebSocket(socket, [identity.userId]);
    socket.serializeAttachment(identity);
    this.snapshot = undefined;
  }

  identity(socket: WebSocket): SocketIdentity | null {
    const known = this.identities.get(socket);
    if (known) return known;
    const parsed = attachmentSchema.safeParse(socket.deserializeAttachment());
    if (!parsed.success) return null;
    this.identities.set(socket, parsed.data);
    return parsed.data;
  }

  /** Call when a socket closed or failed, so the next fan-out does not see it. */
  forget(): void {
    this.snapshot = undefined;
  }

  private current(): { sockets: WebSocket[]; perUser: Map<string, number> } {
    if (!this.snapshot) {
      const sockets = this.ctx.getWebSockets().filter((ws) => ws.readyState === WebSocket.OPEN);
      const perUser = new Map<string, number>();
      for (const ws of sockets) {
        const id = this.identity(ws);
        if (id) perUser.set(id.userId, (perUser.get(id.userId) ?? 0) + 1);
      }
      this.snapshot = { sockets, perUser };
    }
    return this.snapshot;
  }

  /** Open sockets in the room. */
  count(): number {
    return this.current().sockets.length;
  }

  connectedUserIds(): string[] {
    return [...this.current().perUser.keys()];
  }

  isConnected(userId: string): boolean {
    return this.current().perUser.has(userId);
  }

  /** Open sockets of one user, optionally not counting one that is closing. */
  socketsOf(userId: string, except?: WebSocket): WebSocket[] {
    return this.ctx.getWebSockets(userId).filter((ws) => ws !== except && ws.readyState === WebSocket.OPEN);
  }

  /**
   * Serialises once and sends to every open socket, optionally skipping one user's sockets
   * (`exceptUserId`, the actor) and those of `hiddenFrom` (members the frame's subject is hidden
   * from by a block: room-blocks.ts). Skipped sockets are found by their user tag, not by a scan.
   */
  broadcast(frame: ServerFrame, opts: { exceptUserId?: string; hiddenFrom?: ReadonlySet<string> } = {}): void {
    const text = JSON.stringify(frame);
    const skipUsers = [...(opts.exceptUserId ? [opts.exceptUserId] : []), ...(opts.hiddenFrom ?? [])];
    const skip = skipUsers.length > 0 ? new Set(skipUsers.flatMap((userId) => this.ctx.getWebSockets(userId))) : undefined;
    let stale = false;
    for (const ws of this.current().sockets) {
      if (skip?.has(ws)) continue;
      stale = !sendText(ws, text) || stale;
    }
    if (stale) this.snapshot = undefined;
  }

  /**
   * Newly stored messages, in seq order, to every open socket: one `message` frame each, or as few
   * `messages` frames as fit for sockets that asked for batches. Each message is serialised once,
   * and each kind of frame built only if some socket needs it.
   */
  broadcastMessages(messages: readonly MessageView[], copyFor?: ViewerCopy): void {
    if (messages.length === 0) return;
    const parts = messages.map((message) => JSON.stringify(message));
    const texts: { single?: string[]; batched?: string[] } = {};
    // A viewer whose copy differs (room-blocks.ts: messages from someone they block are marked) gets
    // frames of their own, serialised once per viewer and kind.
    const own = new Map<string, { parts: string[]; single?: string[]; batched?: string[] }>();
    let stale = false;
    for (const ws of this.current().sockets) {
      const identity = this.identity(ws);
      const batch = identity?.batch === true;
      const copy = identity && copyFor ? ownCopy(own, identity.userId, messages, copyFor) : null;
      const frames = copy
        ? batch
          ? (copy.batched ??= framesOf(copy.parts, true))
          : (copy.single ??= framesOf(copy.parts, false))
        : batch
          ? (texts.batched ??= framesOf(parts, true))
          : (texts.single ??= framesOf(parts, false));
      for (const text of frames) stale = !sendText(ws, text) || stale;
    }
    if (stale) this.snapshot = undefined;
  }

  /**
   * A reconnect's replay to one socket, read lazily (it can be a long history), batched if the
   * socket asked for it: REPLAY_GROUP messages are held at a time.
   */
  sendMessages(ws: WebSocket, messages: Iterable<MessageView>): void {
    const batch = this.identity(ws)?.batch === true;
    let group: MessageView[] = [];
    const drain = () => {
      for (const text of messageFrames(group, batch)) sendText(ws, text);
      group = [];
    };
    for (const message of messages) {
      group.push(message);
      if (group.length >= REPLAY_GROUP) drain();
    }
    if (group.length > 0) drain();
  }

  sendToUsers(userIds: readonly string[], frame: ServerFrame): number {
    const text = JSON.stringify(frame);
    let sent = 0;
    for (const userId of userIds) for (const ws of this.socketsOf(userId)) if (sendText(ws, text)) sent++;
    return sent;
  }

  closeUser(userId: string, code: number, reason: string): void {
    for (const ws of this.ctx.getWebSockets(userId)) {
      try {
        ws.close(code, reason);
      } catch {
        // Already closing: nothing left to do.
      }
    }
    this.snapshot = undefined;
  }

  /** Token bucket: false when the socket is over its frame rate. */
  take(socket: WebSocket, now = Date.now()): boolean {
    return this.buckets.take(socket, now);
  }
}

/** The viewer's own copy of these messages, or null when it is the same as everyone's. */
export type ViewerCopy = (userId: string, messages: readonly MessageView[]) => readonly MessageView[] | null;

function ownCopy(
  cache: Map<string, { parts: string[]; single?: string[]; batched?: string[] }>,
  userId: string,
  messages: readonly MessageView[],
  copyFor: ViewerCopy,
): { parts: string[]; single?: string[]; batched?: string[] } | null {
  const known = cache.get(userId);
  if (known) return known;
  const copy = copyFor(userId, messages);
  if (!copy) return null;
  const entry = { parts: copy.map((message) => JSON.stringify(message)) };
  cache.set(userId, entry);
  return entry;
}

/** Sends without throwing (a socket may close between the snapshot and the send). */
export function sendText(ws: WebSocket, text: string): boolean {
  try {
    ws.send(text);
    return true;
  } catch {
    return false;
  }
}

export function sendFrame(ws: WebSocket, frame: ServerFrame): boolean {
  return sendText(ws, JSON.stringify(frame));
}

/**
 * `message` frames, one per message; or `messages` frames, each below MESSAGE_BATCH.maxFrameChars
 * unless one message alone is larger. Each message is serialised once and the frames are assembled
 * from those texts: the same JSON as serialising `{type, message(s)}` (tested against the schema).
 */
export function messageFrames(messages: readonly MessageView[], batch: boolean): string[] {
  return framesOf(
    messages.map((message) => JSON.stringify(message)),
    batch,
  );
}

/** messageFrames from messages already serialised (`parts`, one JSON text per message). */
function framesOf(parts: readonly string[], batch: boolean): string[] {
  if (!batch) return parts.map((part) => `{"type":"message","message":${part}}`);
  const frames: string[] = [];
  const envelope = '{"type":"messages","messages":[]}'.length;
  let chunk: string[] = [];
  let chars = envelope;
  for (const part of parts) {
    if (chunk.length > 0 && chars + part.length + 1 > MESSAGE_BATCH.maxFrameChars) {
      frames.push(`{"type":"messages","messages":[${chunk.join(",")}]}`);
      chunk = [];
      chars = envelope;
    }
    chunk.push(part);
    chars += part.length + 1;
  }
  frames.push(`{"type":"messages","messages":[${chunk.join(",")}]}`);
  return frames;
}
