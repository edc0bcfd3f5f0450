import { and, eq, isNull } from "drizzle-orm";
import { nowIso } from "./clock";
import type { Dialect } from "./query-db";

/** What a deleted account's row keeps: its id and times, nothing anyone typed. */
export const DELETED_DISPLAY_NAME = "Deleted account";
/** Never a valid stored hash (see workers/auth/src/password.ts): no password verifies against it. */
const NO_PASSWORD = "!deleted";
const placeholder = (userId: string): string => `deleted:${userId}`;

/**
 * Account deletion, across the auth worker's tables (users, sessions and their tokens, devices,
 * data exports). The rest of a deleted user's data (conversations, keys, files, room contents) is
 * erased by the account-jobs consumer through the repositories that own it.
 */
export interface AccountsRepository {
  /**
   * The moment of deletion, in one atomic unit: the user row becomes a tombstone (no email, username,
   * name, avatar or password; email and username are free to register again), every session is
   * revoked, push tokens and outstanding email tokens and socket tickets go. Answers the sessions that
   * were live (for the gateway's cache), or null when the user is unknown or already deleted.
   */
  markDeleted(userId: string, now?: string): Promise<{ revokedSessionIds: string[] } | null>;
  /** Whether the account exists and is deleted (the erasure consumer only works on those). */
  isDeleted(userId: string): Promise<boolean>;
  /** Deletes what is left of the user's credentials: sessions (and refresh tokens), email tokens, tickets, devices, export rows. Idempotent. */
  eraseCredentials(userId: string): Promise<void>;
}

export function accountsRepository({ db, t, atomic }: Dialect): AccountsRepository {
  const u = t.users;
  const s = t.sessions;
  return {
    async markDeleted(userId, now = nowIso()) {
      const [user] = await db.select({ deletedAt: u.deletedAt }).from(u).where(eq(u.id, userId)).limit(1);
      if (!user || user.deletedAt !== null) return null;
      const live = await db
        .select({ id: s.id })
        .from(s)
        .where(and(eq(s.userId, userId), isNull(s.revokedAt)));
      await atomic((q) => [
        q
          .update(u)
          .set({
            email: "",
            emailLower: placeholder(userId),
            username: "",
            usernameLower: placeholder(userId),
            displayName: DELETED_DISPLAY_NAME,
            passwordHash: NO_PASSWORD,
            emailVerified: false,
            avatarFileId: null,
            deletedAt: now,
            updatedAt: now,
          })
          .where(and(eq(u.id, userId), isNull(u.deletedAt))),
        // Any session, including one opened between the read above and this unit.
        q
          .update(s)
          .set({ revokedAt: now, revokeReason: "account_deleted" })
          .where(and(eq(s.userId, userId), isNull(s.revokedAt))),
        q.update(t.devices).set({ pushToken: null }).where(eq(t.devices.userId, userId)),
        q.delete(t.emailTokens).where(eq(t.emailTokens.userId, userId)),
        q.delete(t.wsTickets).where(eq(t.wsTickets.userId, userId)),
      ]);
      return { revokedSessionIds: live.map((row) => row.id) };
    },
    async isDeleted(userId) {
      const [user] = await db.select({ deletedAt: u.deletedAt }).from(u).where(eq(u.id, userId)).limit(1);
      return user !== undefined && user.deletedAt !== null;
    },
    async eraseCredentials(userId) {
      // Sessions before devices: a session's device_id cascades, but its refresh tokens go with the session.
      await atomic((q) => [
        q.delete(t.refreshTokens).where(eq(t.refreshTokens.userId, userId)),
        q.delete(s).where(eq(s.userId, userId)),
        q.delete(t.emailTokens).where(eq(t.emailTokens.userId, userId)),
        q.delete(t.wsTickets).where(eq(t.wsTickets.userId, userId)),
        q.delete(t.devices).where(eq(t.devices.userId, userId)),
        q.delete(t.dataExports).where(eq(t.dataExports.userId, userId)),
      ]);
    },
  };
}
