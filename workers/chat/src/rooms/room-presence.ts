import { describeError, log } from "../../../../lib/log";
import { reportRoomConnection } from "../presence/presence-shards";

/**
 * Which users this room has reported to the presence shards as connected. Persisted, so a room that
 * restarts (eviction, deploy: every socket is gone) reports those users as gone instead of leaving
 * them "online" forever. After a hibernation wake-up the sockets still exist and nothing is reported.
 * The `present` table is created by CONVERSATION_ROOM_MIGRATIONS.
 */
export class RoomPresence {
  constructor(
    private readonly ctx: DurableObjectState,
    private readonly env: ChatEnv,
  ) {}

  /** Call once on start: users recorded as present but without any open socket here are reported gone. */
  reconcile(conversationId: string | undefined, connectedUserIds: readonly string[]): void {
    if (!conversationId) return;
    const connected = new Set(connectedUserIds);
    const rows = this.ctx.storage.sql.exec<{ user_id: string }>("SELECT user_id FROM present").toArray();
    for (const { user_id } of rows) if (!connected.has(user_id)) this.report(conversationId, user_id, false);
  }

  report(conversationId: string, userId: string, connected: boolean): void {
    if (connected) this.ctx.storage.sql.exec("INSERT OR IGNORE INTO present (user_id) VALUES (?)", userId);
    else this.ctx.storage.sql.exec("DELETE FROM present WHERE user_id = ?", userId);
    this.ctx.waitUntil(
      reportRoomConnection(this.env, userId, conversationId, connected).catch((err: unknown) => {
        log({ event: "unhandled_error", where: "chat.presence_report", error: describeError(err) }, "warn");
      }),
    );
  }
}
