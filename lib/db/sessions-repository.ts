import { and, desc, eq, gt, isNotNull, isNull, lte, ne, or } from "drizzle-orm";
import { newId } from "../ids";
import { nowIso } from "./clock";
import type { Dialect } from "./query-db";
import type { EmailToken, EmailTokenPurpose, RefreshToken, Session, WsTicket } from "./rows";

export interface NewSessionInput {
  userId: string;
  /** The device signing in (one of the user's own); the auth worker always gives one. */
  deviceId?: string | null;
  expiresAt: string;
  userAgent?: string | null;
  ip?: string | null;
  /** The first refresh token (hashed), stored in the same atomic unit as the session. */
  refreshTokenHash: string;
  refreshExpiresAt: string;
}

export type RotateResult =
  | { status: "rotated"; session: Session; refreshToken: RefreshToken }
  /** The token was already spent: the caller must revoke `sessionId` (reuse detection). */
  | { status: "reused"; sessionId: string; userId: string }
  /** Unknown, expired, or its session is revoked/expired. */
  | { status: "invalid" };

/** Sessions, refresh tokens, email (verify/reset) tokens and WebSocket tickets. */
export interface SessionsRepository {
  create(input: NewSessionInput, now?: string): Promise<Session>;
  get(sessionId: string): Promise<Session | null>;
  /** Not revoked and not expired; newest first. */
  listActive(userId: string, now?: string): Promise<Session[]>;
  touch(sessionId: string, now?: string): Promise<void>;
  /** Binds a session opened before devices existed to a device (once: a bound session keeps its device). */
  bindDevice(sessionId: string, deviceId: string): Promise<void>;
  /** The live sessions signed in on a device (what deleting it ends). */
  activeIdsForDevice(deviceId: string, now?: string): Promise<string[]>;
  /** True when this call revoked it (false if unknown or already revoked). */
  revoke(sessionId: string, reason: string, now?: string): Promise<boolean>;
  /** Returns the ids revoked; `exceptSessionId` keeps the caller's own session. */
  revokeAllForUser(userId: string, reason: string, now?: string, exceptSessionId?: string): Promise<string[]>;
  /** Exactly one concurrent caller gets "rotated" for a given token; the rest get "reused". */
  rotateRefreshToken(input: { tokenHash: string; newTokenHash: string; newExpiresAt: string }, now?: string): Promise<RotateResult>;
  createEmailToken(input: { tokenHash: string; userId: string; purpose: EmailTokenPurpose; expiresAt: string }, now?: string): Promise<void>;
  /** Marks the token used and returns it, at most once, and only if unexpired. */
  consumeEmailToken(tokenHash: string, purpose: EmailTokenPurpose, now?: string): Promise<EmailToken | null>;
  /** Spends every outstanding token of that purpose (e.g. after a password reset). */
  invalidateEmailTokens(userId: string, purpose: EmailTokenPurpose, now?: string): Promise<number>;
  createWsTicket(input: { ticketHash: string; userId: string; deviceId?: string | null; expiresAt: string }): Promise<void>;
  /** Deletes and returns the ticket if unexpired; a ticket works once. */
  consumeWsTicket(ticketHash: string, now?: string): Promise<WsTicket | null>;
  /** Housekeeping for a cron: expired tickets and spent/expired tokens. */
  purgeExpired(now?: string): Promise<void>;
}

export function sessionsRepository({ db, t, atomic }: Dialect): SessionsRepository {
  const s = t.sessions;
  const r = t.refreshTokens;
  const e = t.emailTokens;
  const w = t.wsTickets;
  const get = async (id: string): Promise<Session | null> => (await db.select().from(s).where(eq(s.id, id)).limit(1))[0] ?? null;

  return {
    async create(input, now = nowIso()) {
      const session: Session = {
        id: newId(),
        userId: input.userId,
        deviceId: input.deviceId ?? null,
        createdAt: now,
        lastUsedAt: now,
        expiresAt: input.expiresAt,
        revokedAt: null,
        revokeReason: null,
        userAgent: input.userAgent ?? null,
        ip: input.ip ?? null,
      };
      const token = { tokenHash: input.refreshTokenHash, sessionId: session.id, userId: input.userId, createdAt: now, expiresAt: input.refreshExpiresAt };
      await atomic((q) => [q.insert(s).values(session), q.insert(r).values(token)]);
      return session;
    },
    get,
    listActive: (userId, now = nowIso()) =>
      db
        .select()
        .from(s)
        .where(and(eq(s.userId, userId), isNull(s.revokedAt), gt(s.expiresAt, now)))
        .orderBy(desc(s.lastUsedAt)),
    async touch(sessionId, now = nowIso()) {
      await db.update(s).set({ lastUsedAt: now }).where(eq(s.id, sessionId)).returning({ id: s.id });
    },
    async bindDevice(sessionId, deviceId) {
      await db
        .update(s)
        .set({ deviceId })
        .where(and(eq(s.id, sessionId), isNull(s.deviceId)))
        .returning({ id: s.id });
    },
    async activeIdsForDevice(deviceId, now = nowIso()) {
      const rows = await db
        .select({ id: s.id })
        .from(s)
        .where(and(eq(s.deviceId, deviceId), isNull(s.revokedAt), gt(s.expiresAt, now)));
      return rows.map((row) => row.id);
    },
    async revoke(sessionId, reason, now = nowIso()) {
      const rows = await db
        .update(s)
        .set({ revokedAt: now, revokeReason: reason })
        .where(and(eq(s.id, sessionId), isNull(s.revokedAt)))
        .returning({ id: s.id });
      return rows.length > 0;
    },
    async revokeAllForUser(userId, reason, now = nowIso(), exceptSessionId) {
      const rows = await db
        .update(s)
        .set({ revokedAt: now, revokeReason: reason })
        .where(and(eq(s.userId, userId), isNull(s.revokedAt), exceptSessionId ? ne(s.id, exceptSessionId) : undefined))
        .returning({ id: s.id });
      return rows.map((row) => row.id);
    },
    async rotateRefreshToken(input, now = nowIso()) {
      // The conditional UPDATE is the whole race: one statement, so exactly one caller sees a row.
      const [spent] = await db
        .update(r)
        .set({ usedAt: now })
        .where(and(eq(r.tokenHash, input.tokenHash), isNull(r.usedAt), gt(r.expiresAt, now)))
        .returning();
      if (!spent) {
        const [known] = await db.select().from(r).where(eq(r.tokenHash, input.tokenHash)).limit(1);
        if (known?.usedAt) return { status: "reused", sessionId: known.sessionId, userId: known.userId };
        return { status: "invalid" };
      }
      const session = await get(spent.sessionId);
      if (!session || session.revokedAt !== null || session.expiresAt <= now) return { status: "invalid" };
      const refreshToken: RefreshToken = {
        tokenHash: input.newTokenHash,
        sessionId: session.id,
        userId: session.userId,
        createdAt: now,
        expiresAt: input.newExpiresAt,
        usedAt: null,
      };
      await atomic((q) => [q.insert(r).values(refreshToken), q.update(s).set({ lastUsedAt: now }).where(eq(s.id, session.id))]);
      return { status: "rotated", session: { ...session, lastUsedAt: now }, refreshToken };
    },
    async createEmailToken(input, now = nowIso()) {
      await db.insert(e).values({ ...input, createdAt: now });
    },
    async consumeEmailToken(tokenHash, purpose, now = nowIso()) {
      const [row] = await db
        .update(e)
        .set({ usedAt: now })
        .where(and(eq(e.tokenHash, tokenHash), eq(e.purpose, purpose), isNull(e.usedAt), gt(e.expiresAt, now)))
        .returning();
      return row ?? null;
    },
    async invalidateEmailTokens(userId, purpose, now = nowIso()) {
      const rows = await db
        .update(e)
        .set({ usedAt: now })
        .where(and(eq(e.userId, userId), eq(e.purpose, purpose), isNull(e.usedAt)))
        .returning({ tokenHash: e.tokenHash });
      return rows.length;
    },
    async createWsTicket(input) {
      await db.insert(w).values({ ...input, deviceId: input.deviceId ?? null });
    },
    async consumeWsTicket(ticketHash, now = nowIso()) {
      const [row] = await db
        .delete(w)
        .where(and(eq(w.ticketHash, ticketHash), gt(w.expiresAt, now)))
        .returning();
      return row ?? null;
    },
    async purgeExpired(now = nowIso()) {
      await atomic((q) => [
        q.delete(w).where(lte(w.expiresAt, now)),
        q.delete(e).where(or(lte(e.expiresAt, now), isNotNull(e.usedAt))),
        q.delete(r).where(lte(r.expiresAt, now)),
      ]);
    },
  };
}
