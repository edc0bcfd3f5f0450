import { and, asc, desc, eq, gt, inArray, isNull, ne, notExists, or } from "drizzle-orm";
import { chunk, nowIso } from "./clock";
import { directKey } from "./conversations-repository";
import type { Dialect } from "./query-db";
import type { EmailChange, User, UserBlock } from "./rows";

export type ConfirmEmailChangeResult =
  | { status: "changed"; user: User; previousEmail: string }
  /** Unknown, expired or already used. */
  | { status: "invalid" }
  /** Someone registered (or changed to) the address since the request; the token is spent. */
  | { status: "taken" };

/** Per-user controls (issue 21): email changes, blocks and conversation mutes. */
export interface AccountControlsRepository {
  /** Stores a pending change; earlier pending changes of the user are spent (only the newest link works). */
  requestEmailChange(input: { tokenHash: string; userId: string; newEmail: string; expiresAt: string }, now?: string): Promise<void>;
  /**
   * Spends the token and moves the account to the new address, at most once. The address counts as
   * verified (the link reached it), and every verify/reset token issued before (to the old address)
   * is spent with it.
   */
  confirmEmailChange(tokenHash: string, now?: string): Promise<ConfirmEmailChangeResult>;
  /** Idempotent; false when the block already existed. */
  block(blockerId: string, blockedId: string, now?: string): Promise<boolean>;
  /** False when there was no such block. */
  unblock(blockerId: string, blockedId: string): Promise<boolean>;
  /** Newest first. */
  listBlocked(blockerId: string): Promise<UserBlock[]>;
  /** True when either user blocks the other. */
  blockedEitherWay(a: string, b: string): Promise<boolean>;
  /** Which of `userIds` block `senderId` (the push consumer's filter). */
  blockersOf(senderId: string, userIds: readonly string[]): Promise<Set<string>>;
  /** Which of `userIds` block `viewerId`, or are blocked by it (presence is hidden both ways). */
  hiddenFrom(viewerId: string, userIds: readonly string[]): Promise<Set<string>>;
  /** Every block whose two ends are both among `userIds` (a conversation room's copy of its members' blocks). */
  blocksAmong(userIds: readonly string[]): Promise<{ blockerId: string; blockedId: string }[]>;
  /** The conversations (direct and group) both users are members of: the rooms a block between them concerns. */
  sharedConversationIds(a: string, b: string): Promise<string[]>;
  /** The direct conversation between the two users, if one exists. */
  directConversationId(a: string, b: string): Promise<string | null>;
  /** Upsert; `until` null mutes until unmuted. */
  mute(conversationId: string, userId: string, until: string | null, now?: string): Promise<void>;
  unmute(conversationId: string, userId: string): Promise<boolean>;
  /** The user's mute end per conversation among `conversationIds` (null = indefinite), expired ones left out. */
  mutesOf(userId: string, conversationIds: readonly string[], now?: string): Promise<Map<string, string | null>>;
  /** Which of `userIds` have `conversationId` muted right now. */
  mutedAmong(conversationId: string, userIds: readonly string[], now?: string): Promise<Set<string>>;
}

const lower = (s: string): string => s.trim().toLowerCase();

export function accountControlsRepository({ db, t }: Dialect): AccountControlsRepository {
  const ec = t.emailChanges;
  const b = t.userBlocks;
  const mu = t.conversationMutes;
  const u = t.users;
  const activeMute = (now: string) => or(isNull(mu.until), gt(mu.until, now));

  return {
    async requestEmailChange(input, now = nowIso()) {
      await db
        .update(ec)
        .set({ usedAt: now })
        .where(and(eq(ec.userId, input.userId), isNull(ec.usedAt)))
        .returning({ tokenHash: ec.tokenHash });
      await db.insert(ec).values({ ...input, newEmail: input.newEmail.trim(), createdAt: now });
    },
    async confirmEmailChange(tokenHash, now = nowIso()) {
      const [spent]: EmailChange[] = await db
        .update(ec)
        .set({ usedAt: now })
        .where(and(eq(ec.tokenHash, tokenHash), isNull(ec.usedAt), gt(ec.expiresAt, now)))
        .returning();
      if (!spent) return { status: "invalid" };
      const [before] = await db.select({ email: u.email }).from(u).where(eq(u.id, spent.userId)).limit(1);
      if (!before) return { status: "invalid" };
      const emailLower = lower(spent.newEmail);
      // Guarded on the address being free, so the answer is "taken", not a unique-index error.
      const taken = db
        .select({ id: u.id })
        .from(u)
        .where(and(eq(u.emailLower, emailLower), ne(u.id, spent.userId)));
      let user: User | undefined;
      try {
        [user] = await db
          .update(u)
          .set({ email: spent.newEmail, emailLower, emailVerified: true, updatedAt: now })
          .where(and(eq(u.id, spent.userId), notExists(taken)))
          .returning();
      } catch (err) {
        // On Postgres (read committed) two accounts moving to one address at once can both pass the
        // guard; the second then hits the unique index. That is "taken" too, not a 500. Anything
        // else (the address still free) is a real failure.
        const [holder] = await db
          .select({ id: u.id })
          .from(u)
          .where(and(eq(u.emailLower, emailLower), ne(u.id, spent.userId)))
          .limit(1);
        if (!holder) throw err;
      }
      if (!user) return { status: "taken" };
      const e = t.emailTokens;
      await db
        .update(e)
        .set({ usedAt: now })
        .where(and(eq(e.userId, user.id), isNull(e.usedAt)))
        .returning({ tokenHash: e.tokenHash });
      return { status: "changed", user, previousEmail: before.email };
    },
    async block(blockerId, blockedId, now = nowIso()) {
      const rows = await db.insert(b).values({ blockerId, blockedId, createdAt: now }).onConflictDoNothing().returning({ blockedId: b.blockedId });
      return rows.length > 0;
    },
    async unblock(blockerId, blockedId) {
      const rows = await db
        .delete(b)
        .where(and(eq(b.blockerId, blockerId), eq(b.blockedId, blockedId)))
        .returning({ blockedId: b.blockedId });
      return rows.length > 0;
    },
    listBlocked: (blockerId) => db.select().from(b).where(eq(b.blockerId, blockerId)).orderBy(desc(b.createdAt), asc(b.blockedId)),
    async blockedEitherWay(a, c) {
      const rows = await db
        .select({ blockerId: b.blockerId })
        .from(b)
        .where(or(and(eq(b.blockerId, a), eq(b.blockedId, c)), and(eq(b.blockerId, c), eq(b.blockedId, a))))
        .limit(1);
      return rows.length > 0;
    },
    async blockersOf(senderId, userIds) {
      const out = new Set<string>();
      for (const part of chunk([...new Set(userIds)], 2)) {
        const rows = await db
          .select({ blockerId: b.blockerId })
          .from(b)
          .where(and(eq(b.blockedId, senderId), inArray(b.blockerId, part)));
        for (const row of rows) out.add(row.blockerId);
      }
      return out;
    },
    async hiddenFrom(viewerId, userIds) {
      const out = new Set<string>();
      for (const part of chunk([...new Set(userIds)], 3)) {
        const rows = await db
          .select({ blockerId: b.blockerId, blockedId: b.blockedId })
          .from(b)
          .where(or(and(eq(b.blockedId, viewerId), inArray(b.blockerId, part)), and(eq(b.blockerId, viewerId), inArray(b.blockedId, part))));
        for (const row of rows) out.add(row.blockerId === viewerId ? row.blockedId : row.blockerId);
      }
      return out;
    },
    async blocksAmong(userIds) {
      const members = new Set(userIds);
      const out: { blockerId: string; blockedId: string }[] = [];
      // By blocker (indexed: the primary key starts with it); the far end is checked here, so a
      // 1,000-member group costs 10 statements, not one per pair.
      for (const part of chunk([...members], 1)) {
        const rows = await db.select({ blockerId: b.blockerId, blockedId: b.blockedId }).from(b).where(inArray(b.blockerId, part));
        for (const row of rows) if (members.has(row.blockedId)) out.push(row);
      }
      return out;
    },
    async sharedConversationIds(a, other) {
      const m = t.conversationMembers;
      const theirs = db.select({ id: m.conversationId }).from(m).where(eq(m.userId, other));
      const rows = await db
        .select({ id: m.conversationId })
        .from(m)
        .where(and(eq(m.userId, a), inArray(m.conversationId, theirs)));
      return rows.map((r) => r.id);
    },
    async directConversationId(a, other) {
      const c = t.conversations;
      const [row] = await db
        .select({ id: c.id })
        .from(c)
        .where(eq(c.directKey, directKey(a, other)))
        .limit(1);
      return row?.id ?? null;
    },
    async mute(conversationId, userId, until, now = nowIso()) {
      await db
        .insert(mu)
        .values({ conversationId, userId, until, createdAt: now })
        .onConflictDoUpdate({ target: [mu.conversationId, mu.userId], set: { until, createdAt: now } });
    },
    async unmute(conversationId, userId) {
      const rows = await db
        .delete(mu)
        .where(and(eq(mu.conversationId, conversationId), eq(mu.userId, userId)))
        .returning({ userId: mu.userId });
      return rows.length > 0;
    },
    async mutesOf(userId, conversationIds, now = nowIso()) {
      const out = new Map<string, string | null>();
      for (const part of chunk([...new Set(conversationIds)], 2)) {
        const rows = await db
          .select({ conversationId: mu.conversationId, until: mu.until })
          .from(mu)
          .where(and(eq(mu.userId, userId), inArray(mu.conversationId, part), activeMute(now)));
        for (const row of rows) out.set(row.conversationId, row.until);
      }
      return out;
    },
    async mutedAmong(conversationId, userIds, now = nowIso()) {
      const out = new Set<string>();
      for (const part of chunk([...new Set(userIds)], 2)) {
        const rows = await db
          .select({ userId: mu.userId })
          .from(mu)
          .where(and(eq(mu.conversationId, conversationId), inArray(mu.userId, part), activeMute(now)));
        for (const row of rows) out.add(row.userId);
      }
      return out;
    },
  };
}
