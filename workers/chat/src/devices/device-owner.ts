import { describeError, log } from "../../../../lib/log";
import { reportDeviceConnection } from "../presence/presence-shards";

type StateRow = { owner_user_id: string | null; device_id: string | null; presence_reported: number };

/**
 * Who this device room belongs to, and what presence was told about it (the `state` row of
 * DEVICE_ROOM_MIGRATIONS). The owner is recorded on first use (a verified socket, a publish, a
 * mailbox read) and any other user is refused after that. The presence flag is persisted so an
 * object that restarts (eviction, deploy: every socket gone) reports the device gone instead of
 * leaving it online; after a hibernation wake-up the sockets still exist and nothing is reported.
 */
export class DeviceOwner {
  constructor(
    private readonly ctx: DurableObjectState,
    private readonly env: ChatEnv,
  ) {}

  /** True when `userId` owns this device (recording it if nobody did yet); a known device id must match too. */
  claim(userId: string, deviceId?: string): boolean {
    const sql = this.ctx.storage.sql;
    sql.exec("UPDATE state SET owner_user_id = ? WHERE owner_user_id IS NULL", userId);
    if (deviceId !== undefined) sql.exec("UPDATE state SET device_id = ? WHERE device_id IS NULL", deviceId);
    const row = this.row();
    return row.owner_user_id === userId && (deviceId === undefined || row.device_id === deviceId);
  }

  /** Call once on start: a device reported connected without any open socket here is reported gone. */
  reconcile(openSockets: number): void {
    const row = this.row();
    if (row.presence_reported === 1 && openSockets === 0 && row.owner_user_id !== null && row.device_id !== null) {
      this.report(row.owner_user_id, row.device_id, false);
    }
  }

  /** The stream's 0↔1 socket transitions, to the user's presence shard (kept alive past the handler). */
  report(userId: string, deviceId: string, connected: boolean): void {
    this.ctx.storage.sql.exec("UPDATE state SET presence_reported = ?", connected ? 1 : 0);
    this.ctx.waitUntil(
      reportDeviceConnection(this.env, userId, deviceId, connected).catch((err: unknown) => {
        log({ event: "unhandled_error", where: "chat.device_presence_report", error: describeError(err) }, "warn");
      }),
    );
  }

  private row(): StateRow {
    return this.ctx.storage.sql.exec<StateRow>("SELECT owner_user_id, device_id, presence_reported FROM state").one();
  }
}
