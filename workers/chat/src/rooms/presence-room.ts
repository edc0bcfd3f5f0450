import { DurableObject } from "cloudflare:workers";
import type { PresenceStatus, PresenceView } from "../../../../lib/contracts/chat";
import type { OnlineDevices } from "../../../../lib/contracts/device-rpc";
import { migrate } from "../../../../lib/do-migrations";
import { describeError, log } from "../../../../lib/log";
import { announcePresence } from "../presence/announce";
import { PRESENCE_ROOM_MIGRATIONS } from "./presence-room-migrations";

/** Transitions are broadcast this long after they happen, and only if they still hold then. */
export const PRESENCE_DEBOUNCE_MS = 1_000;
/** Users announced per alarm run; more re-arms the alarm at once. */
const ANNOUNCE_BATCH = 50;

/**
 * One shard of presence (see presence-shards.ts). Why this does not cost a storm per connect:
 *   - A ConversationRoom reports only its own 0↔1 transitions for a user (first socket opened,
 *     last socket closed), as one small RPC to that user's shard; further sockets cost nothing.
 *   - The shard keeps the set of rooms where the user has a socket, and the set of the user's devices
 *     with their event stream open (DeviceRoom, same 0↔1 reports). Online = either is not empty.
 *     Reports are absolute (connected yes/no per room), so a repeated report is harmless.
 *   - Only a change of a user's overall status is broadcast, and not at once: an alarm runs after
 *     PRESENCE_DEBOUNCE_MS and announces only users whose status still differs from what was last
 *     announced. A reconnect (close then open within the window) or switching conversations
 *     announces nothing at all. `GET /v1/presence` reads the status directly, without the delay.
 *   - An announcement looks up the user's conversations once and sends one RPC per room; rooms
 *     broadcast a presence frame to their open sockets.
 */
export class PresenceRoom extends DurableObject<ChatEnv> {
  constructor(ctx: DurableObjectState, env: ChatEnv) {
    super(ctx, env);
    migrate(ctx.storage, PRESENCE_ROOM_MIGRATIONS);
  }

  async setRoomConnection(userId: string, conversationId: string, connected: boolean): Promise<void> {
    const sql = this.ctx.storage.sql;
    if (connected) sql.exec("INSERT OR IGNORE INTO connections (user_id, conversation_id) VALUES (?, ?)", userId, conversationId);
    else sql.exec("DELETE FROM connections WHERE user_id = ? AND conversation_id = ?", userId, conversationId);
    await this.refresh(userId);
  }

  /** A DeviceRoom's 0↔1 sockets: an open device stream counts as online, like a room socket. */
  async setDeviceConnection(userId: string, deviceId: string, connected: boolean): Promise<void> {
    const sql = this.ctx.storage.sql;
    if (connected) sql.exec("INSERT OR IGNORE INTO device_connections (user_id, device_id) VALUES (?, ?)", userId, deviceId);
    else sql.exec("DELETE FROM device_connections WHERE user_id = ? AND device_id = ?", userId, deviceId);
    await this.refresh(userId);
  }

  /** The devices of these users with their event stream open; users without any are left out. */
  async onlineDevices(userIds: string[]): Promise<OnlineDevices[]> {
    const out: OnlineDevices[] = [];
    for (const userId of new Set(userIds)) {
      const rows = this.ctx.storage.sql.exec<{ device_id: string }>("SELECT device_id FROM device_connections WHERE user_id = ?", userId).toArray();
      if (rows.length > 0) out.push({ user_id: userId, device_ids: rows.map((r) => r.device_id) });
    }
    return out;
  }

  /** Recomputes the user's status from both kinds of connection; a change is stored and announced later. */
  private async refresh(userId: string): Promise<void> {
    const sql = this.ctx.storage.sql;
    const open = sql
      .exec<{ n: number }>(
        "SELECT (SELECT COUNT(*) FROM connections WHERE user_id = ?) + (SELECT COUNT(*) FROM device_connections WHERE user_id = ?) AS n",
        userId,
        userId,
      )
      .one().n;
    const status: PresenceStatus = open > 0 ? "online" : "offline";
    const current = sql.exec<{ status: string }>("SELECT status FROM users WHERE user_id = ?", userId).toArray()[0];
    if (current?.status === status) return;
    sql.exec(
      "INSERT INTO users (user_id, status, last_seen_at) VALUES (?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET status = excluded.status, last_seen_at = excluded.last_seen_at",
      userId,
      status,
      new Date().toISOString(),
    );
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + PRESENCE_DEBOUNCE_MS);
  }

  async statusOf(userIds: string[]): Promise<PresenceView[]> {
    const out: PresenceView[] = [];
    for (const userId of userIds) {
      const row = this.ctx.storage.sql
        .exec<{ status: string; last_seen_at: string }>("SELECT status, last_seen_at FROM users WHERE user_id = ?", userId)
        .toArray()[0];
      if (row) out.push({ user_id: userId, status: row.status === "online" ? "online" : "offline", last_seen_at: row.last_seen_at });
    }
    return out;
  }

  override async alarm(): Promise<void> {
    const sql = this.ctx.storage.sql;
    const pending = sql
      .exec<{ user_id: string; status: string }>("SELECT user_id, status FROM users WHERE announced IS NULL OR announced != status LIMIT ?", ANNOUNCE_BATCH + 1)
      .toArray();
    for (const row of pending.slice(0, ANNOUNCE_BATCH)) {
      const status: PresenceStatus = row.status === "online" ? "online" : "offline";
      try {
        await announcePresence(this.env, row.user_id, status);
        sql.exec("UPDATE users SET announced = ? WHERE user_id = ? AND status = ?", status, row.user_id, status);
      } catch (err) {
        // Left pending: the next alarm tries again.
        log({ event: "unhandled_error", where: "chat.presence_announce", error: describeError(err) }, "warn");
      }
    }
    const left = sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM users WHERE announced IS NULL OR announced != status").one().n;
    if (left > 0) await this.ctx.storage.setAlarm(Date.now() + (pending.length > ANNOUNCE_BATCH ? 0 : PRESENCE_DEBOUNCE_MS * 5));
  }
}
