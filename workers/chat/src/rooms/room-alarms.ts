/**
 * The room's one Durable Object alarm, shared by every timer it needs: the list-view copy's retry
 * (list-sync.ts) and the disappearing-messages erasure (disappearing.ts). Each timer's wanted time
 * is kept in the meta table, so it survives eviction; the alarm is always armed at the earliest.
 */
export type RoomTimer = "list_sync" | "expiry";

const key = (timer: RoomTimer): string => `alarm:${timer}`;

export class RoomAlarms {
  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly sql: SqlStorage,
  ) {}

  /** Sets (replaces) the timer's time and re-arms the alarm. */
  async want(timer: RoomTimer, at: number): Promise<void> {
    this.sql.exec("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", key(timer), String(at));
    await this.rearm();
  }

  async clear(timer: RoomTimer): Promise<void> {
    this.sql.exec("DELETE FROM meta WHERE key = ?", key(timer));
    await this.rearm();
  }

  /** Timers due at `now` (removed: a handler that still needs one sets it again). */
  takeDue(now: number): Set<RoomTimer> {
    const rows = this.sql.exec<{ key: string; value: string }>("SELECT key, value FROM meta WHERE key LIKE 'alarm:%'").toArray();
    const due = new Set<RoomTimer>();
    for (const row of rows) {
      const timer = row.key.slice("alarm:".length);
      if ((timer === "list_sync" || timer === "expiry") && Number(row.value) <= now) {
        due.add(timer);
        this.sql.exec("DELETE FROM meta WHERE key = ?", row.key);
      }
    }
    return due;
  }

  /** Arms the alarm at the earliest timer left, or removes it. */
  async rearm(): Promise<void> {
    const next = this.sql.exec<{ at: number | null }>("SELECT MIN(CAST(value AS INTEGER)) AS at FROM meta WHERE key LIKE 'alarm:%'").one().at;
    if (next === null) await this.storage.deleteAlarm();
    else await this.storage.setAlarm(next);
  }
}
