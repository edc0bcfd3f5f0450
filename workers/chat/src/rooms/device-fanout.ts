import type { MemberRole } from "../../../../lib/contracts/chat";
import type { DeviceEvent } from "../../../../lib/contracts/device-stream";
import { describeError, log } from "../../../../lib/log";
import { mapBounded } from "../../../../lib/map-bounded";
import { markedForReader } from "../../../../lib/sender-blocked";
import { durableObjectByName } from "../../../../lib/rpc";
import { onlineDevicesOf } from "../presence/presence-shards";
import { messagePreview, strongerChange, type CallDeviceEvent, type ConversationChange, type DetailsChange } from "./device-events";
import type { MessageStore } from "./message-store";
import type { RoomMembers } from "./room-members";
import type { StoredBatch } from "./send-batcher";
import { UserDevices } from "./user-devices";

/**
 * How long the room trusts its members' online devices for conversation changes: a device that
 * connected within this window after a flush hears of changes from the next flush after it.
 * Calls always ask afresh.
 */
const ONLINE_CACHE_MS = 1_000;
/** DeviceRoom.publish calls in flight per flush: a 1,000-member group with 500 online devices takes ~30 rounds, never 500 subrequests at once. */
const PUBLISH_CONCURRENCY = 16;

type Pending = {
  change: ConversationChange | null;
  messages: StoredBatch;
  reads: Map<string, number>;
  membership: { userId: string; change: "added" | "removed" | "role_changed"; role: MemberRole | null }[];
  calls: { event: CallDeviceEvent; userIds: readonly string[]; offline?: (userIds: string[]) => void; exceptDeviceId?: string }[];
  details: { change: DetailsChange; name: string | null } | null;
};

/** What the room does for members the flush could not reach live (no device stream, no socket here). */
export interface FanoutHooks {
  hasRoomSocket(userId: string): boolean;
  pushOffline(batch: StoredBatch, offline: ReadonlySet<string>): void;
  /** Whether `readerId` blocks `senderId` (the room's copy of its members' blocks: a map lookup). */
  readerBlocks(readerId: string, senderId: string): boolean;
}

const empty = (): Pending => ({ change: null, messages: [], reads: new Map(), membership: [], calls: [], details: null });

/**
 * Publishes the room's changes to its members' device streams (DeviceRoom per device). Changes are
 * collected during a turn and flushed together: one presence lookup (cached ~1 s), then one
 * `DeviceRoom.publish` per online device per flush with that device's events (one coalesced
 * `conversation` event, the reader's `read`, membership, details and call events), in parallel with bounded
 * concurrency, off the send path (ctx.waitUntil). Flushes run one after another, so a device sees a
 * room's events in order, and a removed member's `removed` is the last thing it gets from here.
 * Members with no online device and no socket here get push instead (FanoutHooks.pushOffline).
 * Membership changes and reads go to every device of the affected user (from the database, cached
 * 10 s, at most 20 per user; UserDevices), online or not, so a resume replays them; so does a
 * rename, to every member. Someone else's membership change reaches the other members' online
 * devices as `details` `members` (an open group-info panel follows it; a list reload has it anyway).
 * Cost per flush: ≤ 1 presence RPC per shard involved (32 shards) per second, plus one publish per
 * online device, plus one publish per offline device of a user whose membership changed or who read.
 */
export class DeviceFanout {
  private pending = empty();
  private running = false;
  private online: { at: number; devices: Map<string, string[]> } | null = null;
  private readonly allDevices: UserDevices;

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly env: ChatEnv,
    private readonly store: MessageStore,
    private readonly members: RoomMembers,
    private readonly hooks: FanoutHooks,
  ) {
    this.allDevices = new UserDevices(env);
  }

  stored(batch: StoredBatch): void {
    this.pending.messages.push(...batch);
    this.changed("message");
  }

  changed(change: ConversationChange): void {
    this.pending.change = strongerChange(this.pending.change, change);
    this.schedule();
  }

  read(userId: string, seq: number): void {
    this.pending.reads.set(userId, Math.max(seq, this.pending.reads.get(userId) ?? 0));
    this.schedule();
  }

  /**
   * Compares the member lists before and after a sync; the affected users hear about it, and, when
   * the sync says the conversation's `name`, the other members get `details` `members`.
   */
  membersChanged(before: ReadonlyMap<string, MemberRole>, after: ReadonlyMap<string, MemberRole>, name?: string | null): void {
    for (const [userId, role] of after) {
      const was = before.get(userId);
      if (was === undefined) this.pending.membership.push({ userId, change: "added", role });
      else if (was !== role) this.pending.membership.push({ userId, change: "role_changed", role });
    }
    for (const userId of before.keys()) if (!after.has(userId)) this.pending.membership.push({ userId, change: "removed", role: null });
    if (this.pending.membership.length === 0) return;
    this.online = null;
    if (name !== undefined) this.detailsChanged("members", name);
    this.schedule();
  }

  /** The conversation's name (a rename), or its member list (`name` as it is now): every member hears it, as `details`. */
  detailsChanged(change: DetailsChange, name: string | null): void {
    // A rename in the same flush as a membership change reaches everyone everywhere, which covers both.
    const kept = this.pending.details?.change === "name" ? "name" : change;
    this.pending.details = { change: kept, name };
    this.schedule();
  }

  /**
   * `offline` hears which of these users the flush could not reach live (e.g. to push a ring);
   * `exceptDeviceId` (the device that answered or declined) does not get this event.
   */
  call(event: CallDeviceEvent, userIds: readonly string[], offline?: (userIds: string[]) => void, exceptDeviceId?: string): void {
    this.pending.calls.push({ event, userIds, ...(offline ? { offline } : {}), ...(exceptDeviceId === undefined ? {} : { exceptDeviceId }) });
    this.schedule();
  }

  private schedule(): void {
    if (this.running) return;
    this.running = true;
    this.ctx.waitUntil(this.drain());
  }

  private async drain(): Promise<void> {
    try {
      // Let the rest of this turn's changes join the flush.
      await new Promise((resolve) => setTimeout(resolve, 0));
      while (hasWork(this.pending)) {
        const flush = this.pending;
        this.pending = empty();
        await this.flush(flush);
      }
    } catch (err) {
      log({ event: "unhandled_error", where: "chat.device_fanout", error: describeError(err) }, "warn");
    } finally {
      this.running = false;
      if (hasWork(this.pending)) this.schedule();
    }
  }

  private async flush(p: Pending): Promise<void> {
    const conversationId = this.members.known?.conversationId;
    if (!conversationId) return;
    const memberIds = [...this.members.all().keys()];
    const removed = p.membership.filter((m) => m.change === "removed").map((m) => m.userId);
    // A ring must reach a device that connected a moment ago: calls never use the cached answer.
    const online = await this.onlineDevices([...memberIds, ...removed], p.calls.length > 0);
    // `everywhere`: membership and reads go to every device of the user, online or not, so a resume replays them.
    const events = new Map<string, FanoutEvent[]>();
    const add = (userId: string, event: DeviceEvent, everywhere = false, exceptDeviceId?: string) => {
      const entry = { event, everywhere, exceptDeviceId };
      const list = events.get(userId);
      if (list) list.push(entry);
      else events.set(userId, [entry]);
    };
    for (const m of p.membership) add(m.userId, { kind: "membership", conversation_id: conversationId, change: m.change, role: m.role }, true);
    if (p.change !== null) {
      const lastSeq = this.store.lastSeq;
      const newest = lastSeq > 0 ? this.store.get(lastSeq) : null;
      const preview = newest ? messagePreview(newest) : null;
      // Built only for members with a device online: a 1,000-member group with 50 online reads 50 watermarks, not 1,000.
      for (const userId of memberIds.filter((u) => (online?.get(u)?.length ?? 0) > 0)) {
        // A sender has read their own newest message (the list sync records it later).
        const lastRead = newest?.sender_id === userId ? lastSeq : Math.min(lastSeq, this.members.lastReadSeq(userId));
        add(userId, {
          kind: "conversation",
          conversation_id: conversationId,
          change: p.change,
          last_seq: lastSeq,
          // Marked for a reader who blocks its sender, as their copy of the message is (one lookup, only for online readers).
          last_message: preview && markedForReader(preview, this.hooks.readerBlocks(userId, preview.sender_id)),
          last_read_seq: lastRead,
        });
      }
    }
    for (const [userId, seq] of p.reads) add(userId, { kind: "read", conversation_id: conversationId, seq }, true);
    if (p.details !== null) {
      const { change, name } = p.details;
      const event: DeviceEvent = { kind: "details", conversation_id: conversationId, change, name };
      // A rename reaches every device, online or not (a resume replays it); a membership change only the
      // online devices of members it did not concern (those got `membership`).
      const concerned = new Set(p.membership.map((m) => m.userId));
      for (const userId of memberIds) {
        if (change === "name") add(userId, event, true);
        else if (!concerned.has(userId) && (online?.get(userId)?.length ?? 0) > 0) add(userId, event);
      }
    }
    for (const c of p.calls) for (const userId of c.userIds) if (this.members.roleOf(userId) !== null) add(userId, c.event, false, c.exceptDeviceId);
    const everywhereUsers = [...events].filter(([, list]) => list.some((e) => e.everywhere)).map(([userId]) => userId);
    const all = everywhereUsers.length > 0 ? await this.allDevices.of(everywhereUsers) : new Map<string, string[]>();
    const targets = [...events].flatMap(([userId, list]) => deviceTargets(userId, list, online?.get(userId) ?? [], all.get(userId) ?? []));
    await mapBounded(targets, PUBLISH_CONCURRENCY, (t) => this.publish(t.deviceId, t.userId, t.list));
    const unreachable = (userId: string) => !this.hooks.hasRoomSocket(userId) && (online?.get(userId)?.length ?? 0) === 0;
    if (p.messages.length > 0) {
      const offline = memberIds.filter(unreachable);
      if (offline.length > 0) this.hooks.pushOffline(p.messages, new Set(offline));
    }
    for (const c of p.calls) {
      const offline = c.userIds.filter(unreachable);
      if (c.offline && offline.length > 0) c.offline(offline);
    }
  }

  private async publish(deviceId: string, userId: string, events: DeviceEvent[]): Promise<void> {
    try {
      await durableObjectByName(this.env.DEVICE_ROOM, deviceId).publish(userId, events);
    } catch (err) {
      // The device catches up on resume; a lost live update is not worth failing the flush.
      log({ event: "unhandled_error", where: "chat.device_publish", error: `${deviceId}: ${describeError(err)}` }, "warn");
    }
  }

  /** Which of these users have a device stream open now (for the calls worker's ring push). */
  async onlineUserIds(userIds: readonly string[]): Promise<string[]> {
    const online = await this.onlineDevices(userIds, true);
    return online ? userIds.filter((u) => (online.get(u)?.length ?? 0) > 0) : [];
  }

  /** Online devices per user (null when presence could not answer: then nobody is reached live and everyone offline gets push). */
  private async onlineDevices(userIds: readonly string[], fresh: boolean): Promise<Map<string, string[]> | null> {
    const now = Date.now();
    const cached = this.online;
    if (!fresh && cached && now - cached.at < ONLINE_CACHE_MS && userIds.every((u) => cached.devices.has(u))) return cached.devices;
    try {
      const answer = await onlineDevicesOf(this.env, userIds);
      const devices = new Map<string, string[]>(userIds.map((u) => [u, []]));
      for (const entry of answer) devices.set(entry.user_id, entry.device_ids);
      this.online = { at: now, devices };
      return devices;
    } catch (err) {
      log({ event: "unhandled_error", where: "chat.online_devices", error: describeError(err) }, "warn");
      return null;
    }
  }
}

/** An event for one user: `everywhere` also reaches their offline devices; `exceptDeviceId` never gets it. */
type FanoutEvent = { event: DeviceEvent; everywhere: boolean; exceptDeviceId: string | undefined };

/** One publish per device: an online device gets all its events, an offline one only those meant for every device. */
function deviceTargets(userId: string, list: readonly FanoutEvent[], online: readonly string[], all: readonly string[]) {
  const isOnline = new Set(online);
  return [...new Set([...online, ...all])].flatMap((deviceId) => {
    const chosen = list.filter((e) => (e.everywhere || isOnline.has(deviceId)) && e.exceptDeviceId !== deviceId).map((e) => e.event);
    return chosen.length > 0 ? [{ userId, deviceId, list: chosen }] : [];
  });
}

function hasWork(p: Pending): boolean {
  return p.change !== null || p.messages.length > 0 || p.reads.size > 0 || p.membership.length > 0 || p.calls.length > 0 || p.details !== null;
}
