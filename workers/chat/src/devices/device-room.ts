import { DurableObject } from "cloudflare:workers";
import { completeClose } from "../../../../lib/socket-close";
import * as z from "zod";
import { CLOSE_CODES, PING_FRAME, PONG_FRAME } from "../../../../lib/contracts/chat-frames";
import { postMailInputSchema, type MailboxPage, type MailboxPosted, type PostMailInput } from "../../../../lib/contracts/device-rpc";
import {
  DEVICE_STREAM_LIMITS,
  deviceEventSchema,
  deviceStreamQuerySchema,
  mailboxAckSchema,
  type DeviceEvent,
  type DeviceServerFrame,
} from "../../../../lib/contracts/device-stream";
import { MLS_LIMITS, storeKeyPackagesInputSchema, type DeviceClaim, type KeyPackageCount, type StoreKeyPackagesInput } from "../../../../lib/contracts/mls";
import { migrate } from "../../../../lib/do-migrations";
import { AppError } from "../../../../lib/errors";
import { describeError, log } from "../../../../lib/log";
import { toResult, type Result } from "../../../../lib/result";
import { parseInput, REQUEST_ID_HEADER, VERIFIED_DEVICE_HEADER, VERIFIED_USER_HEADER } from "../../../../lib/rpc";
import { envelope } from "../rooms/room-upgrade";
import { announceDeviceChanges } from "./device-announce";
import { DeviceCatchUp } from "./device-catch-up";
import { DEVICE_ROOM_MIGRATIONS } from "./device-room-migrations";
import { handleDeviceFrame } from "./device-frame-handler";
import { entryFrames, sendAll, sendDeviceFrame } from "./device-frames";
import { DeviceOwner } from "./device-owner";
import { DeviceReadiness } from "./device-readiness";
import { DeviceSockets } from "./device-sockets";
import { KeyPackageStore } from "./key-package-store";
import { MailboxStore } from "./mailbox-store";
import { StreamStore } from "./stream-store";

/** What one publish may carry: a room flush is a few events; anything past the retained window is a bug. */
const publishedEventsSchema = z.array(deviceEventSchema).max(DEVICE_STREAM_LIMITS.retainedEntries);
const noSuchDevice = () => new AppError("NOT_FOUND", "No such device.");

/**
 * One per device (named by its id): the device's event stream, its mailbox and its sockets
 * (lib/contracts/device-stream.ts). Rooms publish to it only while the device is online (presence
 * knows through the 0↔1 socket reports), so an offline device costs nothing until it resumes; then
 * DeviceCatchUp reads what changed meanwhile from the database (and once more by alarm).
 * Hibernation API only: identity in the attachment, ping auto-response; the only timer is that
 * repeat (pruning runs on every write and before every resume).
 */
export class DeviceRoom extends DurableObject<ChatEnv> {
  private readonly stream: StreamStore;
  private readonly mailbox: MailboxStore;
  private readonly keyPackages: KeyPackageStore;
  private readonly sockets: DeviceSockets;
  private readonly owner: DeviceOwner;
  private readonly catchUp: DeviceCatchUp;
  private readonly readiness: DeviceReadiness;

  constructor(ctx: DurableObjectState, env: ChatEnv) {
    super(ctx, env);
    migrate(ctx.storage, DEVICE_ROOM_MIGRATIONS);
    this.stream = new StreamStore(ctx.storage.sql);
    this.mailbox = new MailboxStore(ctx.storage.sql);
    this.keyPackages = new KeyPackageStore(ctx.storage);
    this.sockets = new DeviceSockets(ctx);
    this.owner = new DeviceOwner(ctx, env);
    this.readiness = new DeviceReadiness(ctx.storage.sql);
    this.catchUp = new DeviceCatchUp(ctx, env, this.stream, {
      deliver: (events) => this.deliver(events),
      reset: () => this.sockets.broadcast([JSON.stringify({ type: "reset", position: this.stream.position } satisfies DeviceServerFrame)]),
      hasSockets: () => this.sockets.open().length > 0,
    });
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING_FRAME, PONG_FRAME));
    this.owner.reconcile(this.sockets.open().length);
  }

  /* ---------- the socket (forwarded by the chat worker with the verified user and device) ---------- */

  override async fetch(request: Request): Promise<Response> {
    const requestId = request.headers.get(REQUEST_ID_HEADER) ?? "ws";
    try {
      const userId = request.headers.get(VERIFIED_USER_HEADER);
      const deviceId = request.headers.get(VERIFIED_DEVICE_HEADER);
      if (!userId || !deviceId) throw new AppError("UNAUTHORIZED", "A valid ticket or access token is required.");
      if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") throw new AppError("BAD_REQUEST", "Expected a WebSocket upgrade request.");
      const query = deviceStreamQuerySchema.safeParse({ since: new URL(request.url).searchParams.get("since") ?? undefined });
      if (!query.success) throw new AppError("VALIDATION_ERROR", "since must be a stream position.", [{ field: "since", message: "decimal digits" }]);
      if (!this.owner.claim(userId, deviceId)) throw noSuchDevice();
      this.stream.prune();
      const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
      this.sockets.accept(server, { userId, deviceId });
      // hello, the replay or a reset, the mailbox: all in this turn, so nothing published meanwhile falls between.
      const position = this.stream.position;
      sendDeviceFrame(server, { type: "hello", device_id: deviceId, position });
      const since = query.data.since === undefined ? undefined : Number(query.data.since);
      const replayed = since === undefined || this.stream.canResume(since);
      if (since !== undefined) {
        if (replayed) sendAll(server, entryFrames("events", this.stream.after(since)));
        else sendDeviceFrame(server, { type: "reset", position });
      }
      sendAll(server, entryFrames("mailbox", this.mailbox.texts()));
      log({ event: "socket_open", room: "device", room_id: deviceId, user_id: userId, request_id: requestId });
      if (this.sockets.open().length === 1) {
        this.owner.report(userId, deviceId, true);
        // What the rooms could not publish while the device was offline follows as an `events` frame.
        await this.catchUp.connected(userId, replayed);
      }
      return new Response(null, { status: 101, webSocket: client });
    } catch (err) {
      if (err instanceof AppError) return envelope(err, requestId);
      log({ event: "unhandled_error", where: "chat.device_upgrade", error: describeError(err), request_id: requestId }, "error");
      return envelope(new AppError("SERVICE_UNAVAILABLE", "The device stream is unavailable; try again."), requestId);
    }
  }

  override async webSocketMessage(ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
    if (!this.sockets.identity(ws)) {
      ws.close(CLOSE_CODES.unauthenticated, "unknown socket");
      return;
    }
    handleDeviceFrame(ws, data, this.sockets, this.mailbox);
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    this.closed(ws, code);
    completeClose(ws, code, reason);
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    this.closed(ws, 1006);
  }

  private closed(ws: WebSocket, code: number): void {
    const identity = this.sockets.identity(ws);
    if (!identity) return;
    log({ event: "socket_close", room: "device", room_id: identity.deviceId, user_id: identity.userId, code });
    if (this.sockets.open(ws).length === 0) {
      this.owner.report(identity.userId, identity.deviceId, false);
      this.catchUp.disconnected();
    }
  }

  /** The catch-up's repeat a few seconds after a connect (DeviceCatchUp). */
  override async alarm(): Promise<void> {
    await this.catchUp.alarm();
  }

  /* ---------- RPC ---------- */

  /**
   * Appends events for this device's user (coalesced, pruned) and sends them as one `events` frame
   * to the open socket(s). Events of another user than the owner, or not matching the contract,
   * are dropped (logged): a publisher's bug must not poison every later resume.
   */
  async publish(userId: string, events: DeviceEvent[]): Promise<void> {
    const parsed = publishedEventsSchema.safeParse(events);
    if (!parsed.success || !this.owner.claim(userId)) {
      log({ event: "unhandled_error", where: "chat.device_publish", error: parsed.success ? "not the device's owner" : "invalid events" }, "warn");
      return;
    }
    if (parsed.data.length === 0) return;
    this.deliver(parsed.data);
  }

  /** Appends (coalesced, pruned) and sends the new entries to the open socket(s): rooms' publishes and the catch-up alike. */
  private deliver(events: readonly DeviceEvent[]): void {
    this.sockets.broadcast([...entryFrames("events", this.stream.append(events))]);
  }

  /** Stores a payload from another device (the service checked the sender may) and sends it on at once if connected. */
  async postMail(input: PostMailInput): Promise<Result<MailboxPosted>> {
    return toResult(async () => {
      const { fromUserId, fromDeviceId, payload } = parseInput(postMailInputSchema, input);
      const entry = this.mailbox.add({ userId: fromUserId, deviceId: fromDeviceId }, payload);
      if (!entry) throw new AppError("RATE_LIMITED", "The device's mailbox is full until it acknowledges what it holds.", undefined, 60);
      this.sockets.broadcast([...entryFrames("mailbox", [JSON.stringify(entry)])]);
      return { id: entry.id };
    });
  }

  /**
   * Account erasure: the device's sockets close, presence hears it is gone, and its storage (stream,
   * mailbox, state) is wiped and recreated empty, so a late publish finds a device with no owner
   * and nothing in it. Only the owner's erasure may do this (a device of someone else is left alone).
   */
  async erase(userId: string): Promise<Result<null>> {
    return toResult(async () => {
      const owner = this.ctx.storage.sql.exec<{ owner_user_id: string | null; device_id: string | null }>("SELECT owner_user_id, device_id FROM state").one();
      if (owner.owner_user_id !== null && owner.owner_user_id !== userId) throw noSuchDevice();
      for (const ws of this.sockets.open()) ws.close(CLOSE_CODES.unauthenticated, "account deleted");
      if (owner.owner_user_id !== null && owner.device_id !== null) this.owner.report(owner.owner_user_id, owner.device_id, false);
      await this.ctx.storage.deleteAlarm();
      await this.ctx.storage.deleteAll();
      migrate(this.ctx.storage, DEVICE_ROOM_MIGRATIONS);
      return null;
    });
  }

  /** The HTTP fallback: the oldest unacknowledged entries, one ack's worth. */
  async listMail(userId: string): Promise<Result<MailboxPage>> {
    return toResult(async () => {
      if (!this.owner.claim(userId)) throw noSuchDevice();
      const { entries, hasMore } = this.mailbox.list(DEVICE_STREAM_LIMITS.maxAckIds);
      return { entries, has_more: hasMore };
    });
  }

  /** The HTTP fallback of `mailbox_ack`: deletes these entries; unknown ids are ignored. */
  async ackMail(userId: string, ids: string[]): Promise<Result<null>> {
    return toResult(async () => {
      if (!this.owner.claim(userId)) throw noSuchDevice();
      this.mailbox.ack(parseInput(mailboxAckSchema, { ids }).ids);
      return null;
    });
  }

  /* ---------- MLS KeyPackages (lib/contracts/mls.ts) ---------- */

  /** The owner's upload for this device (the service took the device from the caller's token). */
  async storeKeyPackages(input: StoreKeyPackagesInput): Promise<Result<KeyPackageCount>> {
    return toResult(async () => {
      const { userId, deviceId, sessionId, upload } = parseInput(storeKeyPackagesInputSchema, input);
      if (!this.owner.claim(userId, deviceId)) throw noSuchDevice();
      return this.announceIfReady(userId, sessionId, await this.keyPackages.store(upload));
    });
  }

  async countKeyPackages(userId: string, sessionId?: string): Promise<Result<KeyPackageCount>> {
    return toResult(async () => {
      if (!this.owner.claim(userId)) throw noSuchDevice();
      return this.announceIfReady(userId, sessionId, this.keyPackages.count());
    });
  }

  /** Ready for MLS in a new session: the user's other devices hear `devices` `added` (off the request's path). */
  private announceIfReady(userId: string, sessionId: string | undefined, count: KeyPackageCount): KeyPackageCount {
    const deviceId = this.readiness.newlyReady(sessionId, count);
    if (deviceId !== null) this.ctx.waitUntil(announceDeviceChanges(this.env, userId, [{ kind: "devices", change: "added", device_id: deviceId }]));
    return count;
  }

  /**
   * One package for someone adding this device to a group (the service checked who may ask and
   * that `ownerId` owns the device); null when it holds none. A claim that leaves fewer than the
   * low-water mark tells the device on its own stream (kept for its next resume if it is away).
   */
  async claimKeyPackage(ownerId: string): Promise<Result<DeviceClaim>> {
    return toResult(async () => {
      if (!this.owner.claim(ownerId)) return null;
      const claimed = this.keyPackages.claim();
      const remaining = this.keyPackages.count().key_packages;
      if (claimed && remaining < MLS_LIMITS.lowWatermark) this.deliver([{ kind: "keys", signal: "key_packages_low", remaining }]);
      return claimed;
    });
  }
}
