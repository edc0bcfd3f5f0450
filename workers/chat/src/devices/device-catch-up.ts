import type { DeviceEvent } from "../../../../lib/contracts/device-stream";
import { describeError, log } from "../../../../lib/log";
import { CATCH_UP_LIMITS, catchUpEvents, changedConversations, type CatchUpBounds } from "./catch-up-changes";
import type { StreamStore } from "./stream-store";

type Times = {
  owner_user_id: string | null;
  connected_at: number | null;
  disconnected_at: number | null;
  catch_up_since: number | null;
  catch_up_joined_after: number | null;
};

/** What the catch-up needs of its DeviceRoom. */
export interface CatchUpTarget {
  /** Appends through the publishing path (coalesced, pruned) and sends one `events` frame to the open sockets. */
  deliver(events: DeviceEvent[]): void;
  /** More changed than the catch-up reads: the open sockets get a `reset`. */
  reset(): void;
  hasSockets(): boolean;
}

/**
 * What a device missed while offline. Rooms publish conversation changes only to online devices
 * (membership and read events reach every device), so an offline one costs nothing per message;
 * on a 0→1 connect this reads the user's conversation list
 * from the database, newest activity first, back to the last disconnect (minus a margin), and
 * appends one coalesced entry per changed conversation. The list view lags the rooms by up to 5 s
 * and a room trusts its online list for 1 s, so the same catch-up runs once more by alarm a few
 * seconds after the connect (also after a first connect, from its connect time). Times live in the
 * `state` row (migration 2).
 */
export class DeviceCatchUp {
  constructor(
    private readonly ctx: DurableObjectState,
    private readonly env: ChatEnv,
    private readonly stream: StreamStore,
    private readonly target: CatchUpTarget,
  ) {}

  /**
   * A 0→1 connect. `replayed` is false when the connect answered with a reset (the client reloads
   * its list; only the repeat runs). A device that never connected before gets the repeat only.
   */
  async connected(userId: string, replayed: boolean, now = Date.now()): Promise<void> {
    const times = this.times();
    const away = awaySince(times);
    const since = (away ?? now) - CATCH_UP_LIMITS.marginMs;
    // Joins before the previous connection began are in the list the device loaded then (or came
    // live while connected); before a first connect, in the list it loads now.
    const bounds: CatchUpBounds =
      away !== null && replayed
        ? { sinceMs: since, joinedAfterMs: Math.max(since, times.connected_at ?? since) }
        : { sinceMs: now - CATCH_UP_LIMITS.marginMs, joinedAfterMs: now };
    this.ctx.storage.sql.exec("UPDATE state SET connected_at = ?", now);
    this.due(bounds);
    await this.ctx.storage.setAlarm(now + CATCH_UP_LIMITS.repeatAfterMs);
    if (away !== null && replayed) this.ctx.waitUntil(this.run(userId, bounds));
  }

  /** The 1→0 close. */
  disconnected(now = Date.now()): void {
    this.ctx.storage.sql.exec("UPDATE state SET disconnected_at = ?", now);
  }

  /** The repeat after a connect; nothing when the device went away again (its next connect catches up). */
  async alarm(): Promise<void> {
    const t = this.times();
    this.due(null);
    if (t.catch_up_since === null || t.catch_up_joined_after === null || t.owner_user_id === null || !this.target.hasSockets()) return;
    await this.run(t.owner_user_id, { sinceMs: t.catch_up_since, joinedAfterMs: t.catch_up_joined_after });
  }

  /** The repeat's bounds (null: none due). */
  private due(bounds: CatchUpBounds | null): void {
    this.ctx.storage.sql.exec("UPDATE state SET catch_up_since = ?, catch_up_joined_after = ?", bounds?.sinceMs ?? null, bounds?.joinedAfterMs ?? null);
  }

  private async run(userId: string, bounds: CatchUpBounds): Promise<void> {
    try {
      const changed = await changedConversations(this.env, userId, bounds.sinceMs);
      if (changed === null) {
        // The client reloads its list now; a repeat still due only needs what that reload may lack.
        const from = Date.now() - CATCH_UP_LIMITS.marginMs;
        if (this.times().catch_up_since !== null) this.due({ sinceMs: from, joinedAfterMs: from });
        this.target.reset();
        return;
      }
      // Built after the read, in one synchronous step with the append: a live publish meanwhile is seen by the last_seq check.
      const events = catchUpEvents(userId, changed, bounds, this.stream);
      if (events.length > 0) this.target.deliver(events);
    } catch (err) {
      log({ event: "unhandled_error", where: "chat.device_catch_up", error: `${userId}: ${describeError(err)}` }, "warn");
    }
  }

  private times(): Times {
    return this.ctx.storage.sql.exec<Times>("SELECT owner_user_id, connected_at, disconnected_at, catch_up_since, catch_up_joined_after FROM state").one();
  }
}

/** When the device was last seen leaving; its connect time when a restart lost the sockets without a close; null if it never connected. */
function awaySince(t: Times): number | null {
  if (t.disconnected_at !== null && (t.connected_at === null || t.disconnected_at >= t.connected_at)) return t.disconnected_at;
  return t.connected_at;
}
