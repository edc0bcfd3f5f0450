import { withDb } from "../../../../lib/db";
import { describeError, log } from "../../../../lib/log";

/** How long a room trusts a user's device list from the database: a device signed in meanwhile is reached from the next lookup on. */
const CACHE_MS = 10_000;
/** Devices per user reached offline: the most recently seen ones (a user rarely has more; this bounds one flush's publishes). */
export const MAX_DEVICES_PER_USER = 20;
/** Users looked up per call (a big group's mass add): the rest reach only their online devices; the resume's catch-up covers an `added`. */
const MAX_USERS_PER_LOOKUP = 200;

/**
 * Every device of a user from the database, online or not, for the rare events a device must find
 * on resume even if it was away (membership changes, reads on another device). Cached per room,
 * per user, in memory.
 */
export class UserDevices {
  private readonly cache = new Map<string, { at: number; ids: string[] }>();

  constructor(private readonly env: ChatEnv) {}

  /** Device ids per user; a user whose lookup failed gets none (the online path still reaches their open devices). */
  async of(userIds: readonly string[]): Promise<Map<string, string[]>> {
    const now = Date.now();
    for (const [userId, entry] of this.cache) if (now - entry.at >= CACHE_MS) this.cache.delete(userId);
    const missing = [...new Set(userIds)].filter((u) => !this.cache.has(u)).slice(0, MAX_USERS_PER_LOOKUP);
    if (missing.length > 0) {
      try {
        const lists = await withDb(this.env, (db) => Promise.all(missing.map((u) => db.users.listAllDevices(u))));
        missing.forEach((userId, i) => {
          const rows = [...(lists[i] ?? [])].sort((a, b) => b.lastSeenAt.localeCompare(a.lastSeenAt)).slice(0, MAX_DEVICES_PER_USER);
          this.cache.set(userId, { at: now, ids: rows.map((r) => r.id) });
        });
      } catch (err) {
        log({ event: "unhandled_error", where: "chat.user_devices", error: describeError(err) }, "warn");
      }
    }
    return new Map(userIds.map((u) => [u, this.cache.get(u)?.ids ?? []]));
  }
}
