import { and, asc, desc, eq, exists, gt, inArray, isNotNull, isNull, ne, notExists, sql } from "drizzle-orm";
import { newId } from "../ids";
import { chunk, nowIso } from "./clock";
import type { Dialect } from "./query-db";
import type { Device, DeviceRow, Platform, User } from "./rows";

export interface NewUserInput {
  email: string;
  username: string;
  displayName: string;
  passwordHash: string;
  emailVerified?: boolean;
}

export type CreateUserResult = { ok: true; user: User } | { ok: false; conflict: "email" | "username" };

/** Users and their devices (the auth worker's aggregate). */
export interface UsersRepository {
  create(input: NewUserInput, now?: string): Promise<CreateUserResult>;
  findById(id: string): Promise<User | null>;
  /** Case-insensitive. */
  findByEmail(email: string): Promise<User | null>;
  /** Case-insensitive. */
  findByUsername(username: string): Promise<User | null>;
  /** Deleted accounts are left out: nobody can start a conversation with, or add, one. */
  findManyByIds(ids: readonly string[]): Promise<User[]>;
  /**
   * Case-insensitive username prefix search, ordered by username; `%`/`_` in the prefix are literal.
   * `afterUsername` (the last username of the previous page) keyset-pages the results. Deleted accounts are left out.
   */
  searchByUsernamePrefix(prefix: string, limit: number, afterUsername?: string): Promise<User[]>;
  updateProfile(id: string, patch: { displayName?: string; avatarFileId?: string | null }, now?: string): Promise<User | null>;
  setPasswordHash(id: string, passwordHash: string, now?: string): Promise<boolean>;
  markEmailVerified(id: string, now?: string): Promise<boolean>;
  /** Registers a push-only device (a session without a device); a token already known (same phone, other account) moves to this user. */
  upsertDevice(input: { userId: string; platform: Platform; pushToken: string }, now?: string): Promise<Device>;
  /** A device a session signs in on (no push token yet). */
  createDevice(input: { userId: string; platform: Platform; name?: string | null }, now?: string): Promise<DeviceRow>;
  /** The user's own device; another user's or an unknown id is null. */
  findDevice(userId: string, deviceId: string): Promise<DeviceRow | null>;
  /** A sign-in on a known device: refreshes last_seen_at, and name/platform when given. */
  touchDevice(deviceId: string, patch?: { name?: string; platform?: Platform }, now?: string): Promise<void>;
  /** The devices push can reach (those with a push token), oldest first: what the push consumer delivers to. */
  listDevices(userId: string): Promise<Device[]>;
  /** Every device of the user (signed-in ones and push-only ones), oldest first. */
  listAllDevices(userId: string): Promise<DeviceRow[]>;
  /**
   * The devices of these users that are signed in now (at least one session neither revoked nor
   * expired), most recently seen first per user: the devices an MLS group of theirs must hold as
   * leaves. A deleted or signed-out device is not among them.
   */
  listSignedInDevices(userIds: readonly string[], now?: string): Promise<Array<{ userId: string; deviceId: string; lastSeenAt: string }>>;
  /**
   * Puts the push token on the user's own device (idempotent). The token leaves whichever other device
   * held it, of this or another user: that device keeps its sessions, and a push-only one (no session
   * was ever bound to it) goes, since it was nothing but the token. Null when the device is not the user's.
   */
  setPushToken(input: { userId: string; deviceId: string; platform: Platform; pushToken: string }, now?: string): Promise<Device | null>;
  /** Drops only the push token (the device and its sessions stay); false when the device is not the user's. */
  clearPushToken(userId: string, deviceId: string): Promise<boolean>;
  /** Its sessions go with it (ON DELETE CASCADE). */
  deleteDevice(userId: string, deviceId: string): Promise<boolean>;
  /**
   * For the push consumer when FCM says a token is unregistered: the token goes; a push-only device
   * goes with it, a device a session signed in on stays (a stale token must not sign anyone out).
   */
  deleteDeviceByPushToken(pushToken: string): Promise<boolean>;
}

const lower = (s: string): string => s.trim().toLowerCase();
const likePrefix = (s: string): string => `${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export function usersRepository({ db, t, atomic }: Dialect): UsersRepository {
  const u = t.users;
  const d = t.devices;
  const noSession = notExists(db.select({ id: t.sessions.id }).from(t.sessions).where(eq(t.sessions.deviceId, d.id)));
  const one = async (where: ReturnType<typeof eq>): Promise<User | null> => (await db.select().from(u).where(where).limit(1))[0] ?? null;
  const findDevice = async (userId: string, deviceId: string): Promise<DeviceRow | null> =>
    (
      await db
        .select()
        .from(d)
        .where(and(eq(d.id, deviceId), eq(d.userId, userId)))
        .limit(1)
    )[0] ?? null;

  return {
    async create(input, now = nowIso()) {
      // ON CONFLICT DO NOTHING + RETURNING tells us about a conflict without parsing driver-specific
      // error messages; the follow-up read only names which unique key was taken.
      const [user] = await db
        .insert(u)
        .values({
          id: newId(),
          email: input.email.trim(),
          emailLower: lower(input.email),
          username: input.username.trim(),
          usernameLower: lower(input.username),
          displayName: input.displayName,
          passwordHash: input.passwordHash,
          emailVerified: input.emailVerified ?? false,
          createdAt: now,
          updatedAt: now,
        })
        .onConflictDoNothing()
        .returning();
      if (user) return { ok: true, user };
      const emailTaken = await one(eq(u.emailLower, lower(input.email)));
      return { ok: false, conflict: emailTaken ? "email" : "username" };
    },
    findById: (id) => one(eq(u.id, id)),
    findByEmail: (email) => one(eq(u.emailLower, lower(email))),
    findByUsername: (username) => one(eq(u.usernameLower, lower(username))),
    async findManyByIds(ids) {
      const out: User[] = [];
      for (const part of chunk([...new Set(ids)], 1))
        out.push(
          ...(await db
            .select()
            .from(u)
            .where(and(inArray(u.id, part), isNull(u.deletedAt)))),
        );
      return out;
    },
    searchByUsernamePrefix: (prefix, limit, afterUsername) =>
      db
        .select()
        .from(u)
        .where(
          and(
            isNull(u.deletedAt),
            sql`${u.usernameLower} like ${likePrefix(lower(prefix))} escape '\\'`,
            afterUsername !== undefined ? gt(u.usernameLower, lower(afterUsername)) : undefined,
          ),
        )
        .orderBy(asc(u.usernameLower))
        .limit(limit),
    async updateProfile(id, patch, now = nowIso()) {
      const [user] = await db
        .update(u)
        .set({
          ...(patch.displayName !== undefined ? { displayName: patch.displayName } : {}),
          ...(patch.avatarFileId !== undefined ? { avatarFileId: patch.avatarFileId } : {}),
          updatedAt: now,
        })
        .where(eq(u.id, id))
        .returning();
      return user ?? null;
    },
    async setPasswordHash(id, passwordHash, now = nowIso()) {
      const rows = await db.update(u).set({ passwordHash, updatedAt: now }).where(eq(u.id, id)).returning({ id: u.id });
      return rows.length > 0;
    },
    async markEmailVerified(id, now = nowIso()) {
      const rows = await db.update(u).set({ emailVerified: true, updatedAt: now }).where(eq(u.id, id)).returning({ id: u.id });
      return rows.length > 0;
    },
    async upsertDevice(input, now = nowIso()) {
      const [device] = await db
        .insert(d)
        .values({ id: newId(), ...input, createdAt: now, lastSeenAt: now })
        .onConflictDoUpdate({
          target: d.pushToken,
          set: { userId: input.userId, platform: input.platform, lastSeenAt: now },
        })
        .returning();
      if (!device?.pushToken) throw new Error("device upsert returned no row");
      return { ...device, pushToken: device.pushToken };
    },
    async createDevice(input, now = nowIso()) {
      const device: DeviceRow = {
        id: newId(),
        userId: input.userId,
        platform: input.platform,
        pushToken: null,
        name: input.name ?? null,
        createdAt: now,
        lastSeenAt: now,
      };
      await db.insert(d).values(device);
      return device;
    },
    findDevice,
    async touchDevice(deviceId, patch = {}, now = nowIso()) {
      await db
        .update(d)
        .set({
          lastSeenAt: now,
          ...(patch.name !== undefined ? { name: patch.name } : {}),
          ...(patch.platform !== undefined ? { platform: patch.platform } : {}),
        })
        .where(eq(d.id, deviceId))
        .returning({ id: d.id });
    },
    listAllDevices: (userId) => db.select().from(d).where(eq(d.userId, userId)).orderBy(asc(d.createdAt), asc(d.id)),
    async listSignedInDevices(userIds, now = nowIso()) {
      const s = t.sessions;
      const live = exists(
        db
          .select({ id: s.id })
          .from(s)
          .where(and(eq(s.deviceId, d.id), isNull(s.revokedAt), gt(s.expiresAt, now))),
      );
      const out: Array<{ userId: string; deviceId: string; lastSeenAt: string }> = [];
      // Two bound values per row of the chunk keeps every query under D1's 100 parameters (ids plus `now`).
      for (const part of chunk([...new Set(userIds)], 2))
        out.push(
          ...(await db
            .select({ userId: d.userId, deviceId: d.id, lastSeenAt: d.lastSeenAt })
            .from(d)
            .where(and(inArray(d.userId, part), live))
            .orderBy(asc(d.userId), desc(d.lastSeenAt), asc(d.id))),
        );
      return out;
    },
    async listDevices(userId) {
      const rows = await db
        .select()
        .from(d)
        .where(and(eq(d.userId, userId), isNotNull(d.pushToken)))
        .orderBy(asc(d.createdAt), asc(d.id));
      return rows.flatMap((row) => (row.pushToken !== null ? [{ ...row, pushToken: row.pushToken }] : []));
    },
    async setPushToken(input, now = nowIso()) {
      const device = await findDevice(input.userId, input.deviceId);
      if (!device) return null;
      const elsewhere = and(eq(d.pushToken, input.pushToken), ne(d.id, device.id));
      // One unit: the unique token index holds at every step (free it elsewhere first, then set it here).
      await atomic((q) => [
        q.delete(d).where(and(elsewhere, noSession)),
        q.update(d).set({ pushToken: null }).where(elsewhere),
        q.update(d).set({ pushToken: input.pushToken, platform: input.platform, lastSeenAt: now }).where(eq(d.id, device.id)),
      ]);
      return { ...device, pushToken: input.pushToken, platform: input.platform, lastSeenAt: now };
    },
    async clearPushToken(userId, deviceId) {
      const rows = await db
        .update(d)
        .set({ pushToken: null })
        .where(and(eq(d.id, deviceId), eq(d.userId, userId)))
        .returning({ id: d.id });
      return rows.length > 0;
    },
    async deleteDevice(userId, deviceId) {
      const rows = await db
        .delete(d)
        .where(and(eq(d.id, deviceId), eq(d.userId, userId)))
        .returning({ id: d.id });
      return rows.length > 0;
    },
    async deleteDeviceByPushToken(pushToken) {
      const deleted = await db
        .delete(d)
        .where(and(eq(d.pushToken, pushToken), noSession))
        .returning({ id: d.id });
      const cleared = await db.update(d).set({ pushToken: null }).where(eq(d.pushToken, pushToken)).returning({ id: d.id });
      return deleted.length + cleared.length > 0;
    },
  };
}
