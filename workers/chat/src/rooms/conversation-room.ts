import { DurableObject } from "cloudflare:workers";
import { completeClose } from "../../../../lib/socket-close";
import type { MessageView, PresenceStatus, SendMessageInput } from "../../../../lib/contracts/chat";
import {
  OWN_MESSAGES_PAGE,
  type CallDelivery,
  type EditMessageBody,
  type HistoryQueryInput,
  type MessagePage,
  type OwnMessagesPage,
  type ReadWatermark,
} from "../../../../lib/contracts/chat-rpc";
import { isHandshake, type MlsGroupView } from "../../../../lib/contracts/mls";
import { CLOSE_CODES, PING_FRAME, PONG_FRAME, type CallEventFrame } from "../../../../lib/contracts/chat-frames";
import { migrate } from "../../../../lib/do-migrations";
import { AppError } from "../../../../lib/errors";
import { describeError, log } from "../../../../lib/log";
import { toResult, type Result } from "../../../../lib/result";
import { attachmentCheck } from "./attachment-check";
import { CONVERSATION_ROOM_MIGRATIONS } from "./conversation-room-migrations";
import { callDeviceEvent, callSocketDelivery, missedCallInput } from "./device-events";
import { DeviceFanout } from "./device-fanout";
import { FrameHandler } from "./frame-handler";
import { ListSync } from "./list-sync";
import { MessageStore } from "./message-store";
import { MlsRules } from "./mls-rules";
import { ActiveCall } from "./active-call";
import { incomingCallPushJobs, offlinePushJobs, PushBatcher, PushCollapse } from "./push-jobs";
import { RoomActions } from "./room-actions";
import { RoomAlarms } from "./room-alarms";
import { RoomBlocks } from "./room-blocks";
import { Disappearing } from "./disappearing";
import type { DisappearingEnvelope } from "../../../../lib/contracts/account-controls";
import { loadRoomIdentity } from "./room-loader";
import { RoomMembers, type RoomIdentity, type RoomMember } from "./room-members";
import { eraseRoom, eraseUserContent } from "./room-erasure";
import { RoomPresence } from "./room-presence";
import { RoomSockets, sendFrame } from "./room-sockets";
import { SendBatcher, type StoredBatch } from "./send-batcher";
import { parseUpgrade, refuse, upgradeRequestId } from "./room-upgrade";
import { chatMetric } from "./room-metrics";

/**
 * One per conversation (named by its id): the single writer of its message log and the hub of its
 * sockets. REST calls arrive as RPC methods, sockets through `fetch`; both go through RoomActions.
 * Hibernation API only: identity in socket attachments, user-id tags, ping auto-response, alarms.
 */
export class ConversationRoom extends DurableObject<ChatEnv> {
  private readonly store: MessageStore;
  private readonly members: RoomMembers;
  private readonly sockets: RoomSockets;
  private readonly listSync: ListSync;
  private readonly actions: RoomActions;
  private readonly frames: FrameHandler;
  private readonly sends: SendBatcher;
  private readonly pushes: PushBatcher;
  private readonly collapse = new PushCollapse();
  private readonly devices: DeviceFanout;
  private readonly activeCall: ActiveCall;
  private readonly presenceReports: RoomPresence;
  private readonly mls: MlsRules;
  private readonly alarms: RoomAlarms;
  private readonly disappearing: Disappearing;
  private readonly blocks: RoomBlocks;

  constructor(ctx: DurableObjectState, env: ChatEnv) {
    super(ctx, env);
    migrate(ctx.storage, CONVERSATION_ROOM_MIGRATIONS);
    this.members = new RoomMembers(ctx.storage.sql);
    this.blocks = new RoomBlocks(env, ctx.storage.sql, this.members);
    this.mls = new MlsRules(this.members);
    this.activeCall = new ActiveCall(this.members);
    this.store = new MessageStore(ctx.storage.sql, () => this.members.known?.conversationId ?? "");
    this.sockets = new RoomSockets(ctx);
    this.alarms = new RoomAlarms(ctx.storage, ctx.storage.sql);
    this.listSync = new ListSync(ctx, env, this.store, this.members, this.alarms);
    this.devices = new DeviceFanout(ctx, env, this.store, this.members, {
      hasRoomSocket: (userId) => this.sockets.isConnected(userId),
      pushOffline: (batch, offline) => this.pushOffline(batch, offline),
      readerBlocks: (readerId, senderId) => this.blocks.blocks(readerId, senderId),
    });
    this.actions = new RoomActions(
      this.store,
      this.members,
      this.sockets,
      {
        edited: (seq, change) => {
          this.listSync.markEdited(seq);
          this.devices.changed(change);
        },
        readAdvanced: (userId, seq) => {
          this.listSync.schedule();
          this.devices.read(userId, seq);
        },
      },
      this.mls,
      this.blocks,
    );
    this.sends = new SendBatcher(this.actions, (batch) => this.afterStore(batch), attachmentCheck(env, this.actions, this.store, this.members));
    this.frames = new FrameHandler(this.actions, this.sockets, this.sends, this.mls);
    this.pushes = new PushBatcher(ctx, env.PUSH_QUEUE);
    this.disappearing = new Disappearing(env, this.store, this.members, this.actions, this.sends, this.alarms);
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING_FRAME, PONG_FRAME));
    this.presenceReports = new RoomPresence(ctx, env);
    this.presenceReports.reconcile(this.members.known?.conversationId, this.sockets.connectedUserIds());
  }

  /* ---------- sockets ---------- */

  /** `/v1/ws/chat` upgrades, forwarded by the gateway straight to this room (room-upgrade.ts). */
  override async fetch(request: Request): Promise<Response> {
    const requestId = upgradeRequestId(request);
    try {
      const upgrade = parseUpgrade(request);
      await this.ready(upgrade.conversationId);
      this.actions.requireMember(upgrade.userId);
      const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
      this.sockets.accept(server, { userId: upgrade.userId, batch: upgrade.batch });
      // Replay, then ready: all in this turn, so nothing stored meanwhile can fall between them.
      if (upgrade.sinceSeq !== undefined) {
        const viewer = upgrade.userId;
        for (const message of this.store.touchedSince(upgrade.sinceSeq))
          sendFrame(server, { type: "message_updated", message: this.blocks.markFor(viewer, message) });
        this.sockets.sendMessages(
          server,
          marked(this.store.after(upgrade.sinceSeq), (message) => this.blocks.markFor(viewer, message)),
        );
      }
      // Where the other members have read up to, as `read` frames: a client that just opened shows "seen" at once.
      // A blocked direct conversation tells neither member where the other has read (room-actions.ts `read`),
      // and in a group nobody hears the reads of a member they block or who blocks them.
      if (!this.members.blocked) {
        const hidden = this.blocks.hiddenFrom(upgrade.userId);
        for (const { userId, seq } of this.members.readWatermarks())
          if (userId !== upgrade.userId && !hidden.has(userId)) sendFrame(server, { type: "read", user_id: userId, seq });
      }
      sendFrame(server, { type: "ready", last_seq: this.store.lastSeq, ...(this.mls.encrypted ? { epoch: this.mls.epoch } : {}) });
      log({ event: "socket_open", room: "chat", room_id: upgrade.conversationId, user_id: upgrade.userId, request_id: requestId });
      chatMetric(this.env, "socket_open", this.sockets.count());
      if (this.sockets.socketsOf(upgrade.userId).length === 1) this.presence(upgrade.userId, true);
      return new Response(null, { status: 101, webSocket: client });
    } catch (err) {
      return refuse(err, requestId);
    }
  }

  override async webSocketMessage(ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
    const identity = this.sockets.identity(ws);
    if (!identity) {
      ws.close(CLOSE_CODES.unauthenticated, "unknown socket");
      return;
    }
    // A room from before the blocks table reads its members' blocks once before relaying anything.
    try {
      await this.blocks.ensureLoaded();
    } catch (err) {
      log({ event: "unhandled_error", where: "chat.room_blocks", error: describeError(err) }, "warn");
      sendFrame(ws, { type: "error", code: "SERVICE_UNAVAILABLE", message: "The frame could not be handled now; try again." });
      return;
    }
    this.frames.handle(ws, identity.userId, data, "ws");
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    this.closed(ws, code);
    completeClose(ws, code, reason);
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    this.closed(ws, 1006);
  }

  private closed(ws: WebSocket, code: number): void {
    this.sockets.forget();
    const identity = this.sockets.identity(ws);
    if (!identity) return;
    const conversationId = this.members.known?.conversationId ?? "";
    log({ event: "socket_close", room: "chat", room_id: conversationId, user_id: identity.userId, code });
    chatMetric(this.env, "socket_close", this.sockets.count());
    if (this.sockets.socketsOf(identity.userId, ws).length === 0) this.presence(identity.userId, false);
  }

  /* ---------- RPC from ChatService (and the presence shards) ---------- */

  /**
   * The full member list after a membership change: removed members' sockets close at once. `name`
   * (the conversation's, as the database has it) lets the other members' devices hear of the change.
   */
  async syncMembers(identity: RoomIdentity, members: RoomMember[], name?: string | null): Promise<Result<{ removed: string[] }>> {
    return toResult(async () => {
      const before = new Map(this.members.all());
      const removed = this.members.replace(identity, members);
      this.devices.membersChanged(before, this.members.all(), name);
      const added = [...this.members.all().keys()].filter((userId) => !before.has(userId));
      await this.blocks.membersChanged(removed, added);
      this.ringAdded(added);
      for (const userId of removed) {
        const hadSockets = this.sockets.socketsOf(userId).length > 0;
        this.sockets.closeUser(userId, CLOSE_CODES.removed, "removed from conversation");
        if (hadSockets) this.presence(userId, false);
      }
      return { removed };
    });
  }

  /** A group was renamed (the database has the new name): every member's devices hear it, online or not. */
  async renamed(conversationId: string, name: string): Promise<Result<null>> {
    return this.guard(conversationId, () => {
      this.devices.detailsChanged("name", name);
      return null;
    });
  }

  /**
   * Account erasure (the account-jobs consumer, workers/chat/src/accounts/): the member list without
   * the deleted user (their sockets close, their next frame is refused), then one bounded batch of
   * their content is erased (room-erasure.ts). `members` null: the conversation was deleted with its
   * last member, so everything in the room goes. `more`: call again for the next batch.
   */
  async eraseMember(identity: RoomIdentity, members: RoomMember[] | null, userId: string): Promise<Result<{ more: boolean }>> {
    const synced = await this.syncMembers(identity, members ?? []);
    if (!synced.ok) return synced;
    return toResult(async () => {
      if (members === null) {
        eraseRoom(this.ctx.storage.sql);
        await this.ctx.storage.deleteAlarm();
        return { more: false };
      }
      const { changed, more } = eraseUserContent(this.ctx.storage.sql, this.store, userId);
      for (const seq of changed) {
        const message = this.store.get(seq);
        if (message) this.sockets.broadcast({ type: "message_updated", message });
      }
      const newest = changed[changed.length - 1];
      if (newest !== undefined) {
        this.listSync.markEdited(newest);
        this.devices.changed("delete");
      }
      return { more };
    });
  }

  /** Data export (the account-jobs consumer): the user's own messages as stored, members or not (a room they left keeps them). */
  async ownMessages(userId: string, afterSeq: number): Promise<OwnMessagesPage> {
    const messages = this.store.bySender(userId, afterSeq, OWN_MESSAGES_PAGE + 1);
    const page = messages.slice(0, OWN_MESSAGES_PAGE);
    const last = page[page.length - 1];
    return { messages: page, next_after_seq: messages.length > OWN_MESSAGES_PAGE && last ? last.seq : null };
  }

  async sendMessage(
    conversationId: string,
    userId: string,
    input: SendMessageInput,
    requestId: string,
  ): Promise<Result<{ message: MessageView; created: boolean }>> {
    return toResult(async () => {
      await this.ready(conversationId);
      return this.sends.send(userId, input, requestId);
    });
  }

  async editMessage(conversationId: string, userId: string, seq: number, patch: EditMessageBody): Promise<Result<MessageView>> {
    return this.guard(conversationId, () => this.actions.edit(userId, seq, patch));
  }

  async deleteMessage(conversationId: string, userId: string, seq: number): Promise<Result<MessageView>> {
    return this.guard(conversationId, () => this.actions.remove(userId, seq));
  }

  async react(conversationId: string, userId: string, seq: number, emoji: string, on: boolean): Promise<Result<MessageView>> {
    return this.guard(conversationId, () => this.actions.react(userId, seq, emoji, on));
  }

  async markRead(conversationId: string, userId: string, seq: number): Promise<Result<ReadWatermark>> {
    return this.guard(conversationId, () => this.actions.read(userId, seq));
  }

  async history(conversationId: string, userId: string, query: HistoryQueryInput): Promise<Result<MessagePage>> {
    return this.guard(conversationId, () => this.actions.history(userId, query));
  }

  /** The MLS group's epoch and kept GroupInfo, for a member of an `mls` room (404 otherwise). */
  async mlsGroup(conversationId: string, userId: string): Promise<Result<MlsGroupView>> {
    return this.guard(conversationId, () => {
      this.actions.requireMember(userId);
      return this.mls.view();
    });
  }

  /** Members reachable live: a socket here or an open device stream (the calls worker pushes a ring to the others). */
  async connectedUsers(): Promise<string[]> {
    const live = new Set(this.sockets.connectedUserIds());
    for (const userId of await this.devices.onlineUserIds([...this.members.all().keys()])) live.add(userId);
    return [...live];
  }

  /**
   * Call events from the calls worker, to the given members' sockets here and device streams (all
   * members if none given; never the stream of `exceptDeviceId`, the device that acted). A missed
   * call also leaves a message in the conversation. Answers how many sockets here got a frame.
   */
  async deliver(frame: CallDelivery, userIds?: string[], exceptDeviceId?: string): Promise<number> {
    // A room that was never loaded (no member list yet) learns its members first, or nobody would hear the call.
    await this.ready(frame.call.conversation_id);
    const members = (userIds ?? [...this.members.all().keys()]).filter((u) => this.members.roleOf(u) !== null);
    // Nobody is rung, or told they missed it, by a caller they block or who blocks them (room-blocks.ts);
    // a member who blocks the caller hears nothing of the call at all, as GET /v1/calls does not list it for them.
    const ring = frame.event === "incoming" || frame.event === "missed";
    const hidden = ring ? this.blocks.hiddenFrom(frame.call.initiator_id) : this.blocks.blockersOf(frame.call.initiator_id);
    const targets = members.filter((u) => !hidden.has(u));
    this.devices.call(callDeviceEvent(frame), targets, undefined, exceptDeviceId);
    const onSockets = callSocketDelivery(frame, targets);
    if (!onSockets) return 0;
    this.activeCall.track(onSockets.frame);
    if (onSockets.frame.event === "missed" && targets.length > 0) this.recordMissedCall(onSockets.frame, targets);
    return this.sockets.sendToUsers(onSockets.userIds, onSockets.frame);
  }

  /** A user's presence transition (debounced by the presence shard), for everyone else here. */
  async presenceChanged(userId: string, status: PresenceStatus): Promise<void> {
    if (this.members.roleOf(userId) === null || this.members.blocked) return;
    await this.blocks.ensureLoaded();
    this.sockets.broadcast({ type: "presence", user_id: userId, status }, { exceptUserId: userId, hiddenFrom: this.blocks.hiddenFrom(userId) });
  }

  /**
   * A block between two members of this conversation was placed (`on`) or lifted (controls/blocks.ts
   * tells every conversation the pair shares). A direct conversation with a block either way is read-only.
   */
  async blockChanged(conversationId: string, blockerId: string, blockedId: string, on: boolean): Promise<Result<null>> {
    return toResult(async () => {
      await this.ready(conversationId);
      await this.blocks.changed(blockerId, blockedId, on);
      // hiddenFrom is symmetric: true while either member blocks the other.
      if (this.members.known?.type === "direct") this.members.setBlocked(this.blocks.hiddenFrom(blockerId).has(blockedId));
      return null;
    });
  }

  /** Sets the disappearing-messages timer (seconds, or null for off); the change is a message in the conversation. */
  async setDisappearing(conversationId: string, userId: string, seconds: number | null, requestId: string): Promise<Result<DisappearingEnvelope>> {
    return toResult(async () => {
      await this.ready(conversationId);
      return this.disappearing.set(userId, seconds, requestId);
    });
  }

  /** One alarm for every timer of the room (room-alarms.ts): the list-view copy's retry and due erasures. */
  override async alarm(): Promise<void> {
    const due = this.alarms.takeDue(Date.now());
    // An alarm with no timer recorded was armed by a build before RoomAlarms: it was the list copy's.
    if (due.has("list_sync") || due.size === 0) this.listSync.schedule();
    if (due.has("expiry")) await this.disappearing.eraseDue();
    await this.alarms.rearm();
  }

  /* ---------- internals ---------- */

  private async ready(conversationId: string): Promise<void> {
    const known = this.members.known;
    if (known) {
      if (known.conversationId !== conversationId) throw new AppError("NOT_FOUND", "No such conversation.");
      return;
    }
    const loaded = await loadRoomIdentity(this.env, conversationId);
    this.members.replace(loaded.identity, loaded.members);
    this.members.setBlocked(loaded.blocked);
    await this.blocks.ensureLoaded();
  }

  private async guard<T>(conversationId: string, body: () => T): Promise<Result<T>> {
    return toResult(async () => {
      await this.ready(conversationId);
      return body();
    });
  }

  /**
   * Once per flush of the send batcher: the fan-out (batched for sockets that asked), one data
   * point, one list-sync nudge, push wake-ups. Stored messages are counted by the metric, not
   * logged: a log line per send was the largest single cost of the room under `wrangler dev`
   * (bench/RESULTS.md, fan-out profile).
   */
  private afterStore(batch: StoredBatch): void {
    this.sockets.broadcastMessages(
      batch.map(({ message }) => message),
      this.blocks.copyFor,
    );
    chatMetric(this.env, "message_stored", this.sockets.count(), batch.length);
    this.listSync.schedule();
    this.devices.stored(batch);
    if (this.members.disappearingSeconds !== null) this.ctx.waitUntil(this.disappearing.scheduleNext());
  }

  /** Members the fan-out found without a socket here or an online device: at most one wake-up per PUSH_COLLAPSE_MS each, for what they can read. */
  private pushOffline(stored: StoredBatch, offline: ReadonlySet<string>): void {
    // MLS commits and proposals wake no one: a device applies them when it next fetches anyway.
    const batch = stored.filter(({ message }) => !isHandshake(message.content_type));
    const recipients = [...offline].filter((userId) => batch.some(({ message }) => message.sender_id !== userId));
    this.pushes.add(offlinePushJobs(batch, this.collapse.admit(recipients, Date.now())));
  }

  /** Members added to a group while its call is open are rung too (a push when they have no live connection). */
  private ringAdded(addedMembers: string[]): void {
    const call = this.members.known?.type === "group" && addedMembers.length > 0 ? this.activeCall.current() : null;
    if (!call) return;
    const hidden = this.blocks.hiddenFrom(call.initiator_id);
    const added = addedMembers.filter((userId) => !hidden.has(userId));
    if (added.length === 0) return;
    this.devices.call({ kind: "call", event: "ringing", call }, added, (offline) => this.pushes.add(incomingCallPushJobs(call, offline, `call:${call.id}`)));
  }

  /** Stored once per call (a fixed client_id), in the caller's name; a caller who has left the conversation leaves no trace. */
  private recordMissedCall(frame: CallEventFrame, missedBy: string[]): void {
    this.sends.send(frame.call.initiator_id, missedCallInput(frame, missedBy), `call:${frame.call.id}`, "server").catch((err: unknown) => {
      log({ event: "unhandled_error", where: "chat.missed_call", error: describeError(err) }, "warn");
    });
  }

  private presence(userId: string, connected: boolean): void {
    const conversationId = this.members.known?.conversationId;
    if (conversationId) this.presenceReports.report(conversationId, userId, connected);
  }
}

/** The messages as one viewer gets them (lazily: a replay can be a long history). */
function* marked(messages: Iterable<MessageView>, mark: (message: MessageView) => MessageView): Iterable<MessageView> {
  for (const message of messages) yield mark(message);
}
