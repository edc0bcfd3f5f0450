import { and, asc, desc, eq, exists, gt, inArray, lt, or, sql } from "drizzle-orm";
import { newId } from "../ids";
import { chunk, nowIso } from "./clock";
import type { ConversationEncryption } from "../contracts/mls";
import type { AtomicStatements, Dialect, QueryDb } from "./query-db";
import type { Conversation, ConversationMember, LastMessage, MemberRole } from "./rows";

export type ConversationWithMembers = Conversation & { members: ConversationMember[] };
/** `lastMessageSenderBlocked`: the reader blocks the sender of the shared last-message summary (issue 21). */
export type ConversationListItem = ConversationWithMembers & { role: MemberRole; lastReadSeq: number; unreadCount: number; lastMessageSenderBlocked: boolean };

/** Conversations and their members. Messages themselves live in the ConversationRoom DO. */
export interface ConversationsRepository {
  /** Idempotent per pair: concurrent or repeated calls return the same conversation (`created` tells which call made it). */
  /** One per pair and encryption (`encryption` defaults to "none"). */
  createDirect(
    input: { createdBy: string; otherUserId: string; encryption?: ConversationEncryption },
    now?: string,
  ): Promise<{ conversation: ConversationWithMembers; created: boolean }>;
  /** The creator becomes `owner`; `memberIds` (creator excluded or not) become `member`. */
  createGroup(
    input: { createdBy: string; name: string | null; memberIds: readonly string[]; encryption?: ConversationEncryption },
    now?: string,
  ): Promise<ConversationWithMembers>;
  get(conversationId: string): Promise<ConversationWithMembers | null>;
  /**
   * Newest activity first; page with `before` = the last item's (lastActivityAt, id). Whether the
   * reader blocks each last message's sender is read with the page (one more statement, never one per member).
   */
  listForUser(userId: string, opts: { limit: number; before?: { lastActivityAt: string; id: string } }): Promise<ConversationListItem[]>;
  getMember(conversationId: string, userId: string): Promise<ConversationMember | null>;
  /** Ids of the user's conversations, newest activity first (presence announcements). */
  listIdsForUser(userId: string, limit: number): Promise<string[]>;
  isMember(conversationId: string, userId: string): Promise<boolean>;
  /**
   * The owner of the device if `viewerId` may reach it (device mailboxes): the viewer's own device,
   * or one of a user who shares a conversation with the viewer. Null otherwise, unknown devices too.
   */
  deviceOwnerVisibleTo(deviceId: string, viewerId: string): Promise<string | null>;
  /** Which of `userIds` share at least one conversation with `viewerId` (the viewer itself only if it is in a conversation). */
  usersSharingAConversation(viewerId: string, userIds: readonly string[]): Promise<string[]>;
  /** Returns the members actually added (existing members are left unchanged). */
  addMembers(conversationId: string, userIds: readonly string[], role?: MemberRole, now?: string): Promise<ConversationMember[]>;
  /** Also records the departure (conversation_departures), so an account erasure still finds the room. */
  removeMember(conversationId: string, userId: string, now?: string): Promise<boolean>;
  /** Also the conversation's newest activity (never moved back). False when there is no such conversation. */
  rename(conversationId: string, name: string, now?: string): Promise<boolean>;
  setRole(conversationId: string, userId: string, role: MemberRole): Promise<ConversationMember | null>;
  /**
   * The room's list-view copy, in one round trip per 100 statements (D1 batch / Postgres
   * transaction). The last-message summary: `newer` applies only if its seq is past the stored one
   * (a monotonic max, see lastMessageUpdate); `current` replaces the summary of the message that is
   * still the last one (edit/delete tombstone). Read watermarks only move forward.
   */
  syncListView(conversationId: string, change: ListViewChange): Promise<void>;
  /**
   * Ids of the conversations the user is in or has left, in id order, after `afterId`: a stable
   * cursor for walking all of them (account erasure).
   */
  listIdsForUserById(userId: string, limit: number, afterId?: string): Promise<string[]>;
  /**
   * A deleted account leaves the conversation. A group it owned passes to its longest-standing admin,
   * else its longest-standing member; it stops being the creator of record (the heir, or the other
   * member of a direct chat, takes that); a direct chat forgets its pair key; a conversation left
   * with no member is deleted (its calls with it). Idempotent: a user who is not a member changes
   * nothing. Answers the conversation as it is now, or null when it no longer exists.
   */
  departForErasure(conversationId: string, userId: string): Promise<ConversationWithMembers | null>;
}

export type ListViewChange = {
  lastMessage?: { message: LastMessage; mode: "newer" | "current" };
  reads: readonly { userId: string; seq: number }[];
};

/** Statements per atomic round trip in syncListView (bounded so a 1,000-member room stays well inside batch limits). */
const LIST_VIEW_BATCH = 100;

/** The pair's sorted ids; an `mls` direct conversation is a separate one ("mls:" prefix; ids never hold ":"). */
export const directKey = (a: string, b: string, encryption: ConversationEncryption = "none"): string =>
  `${encryption === "none" ? "" : `${encryption}:`}${[a, b].sort().join(":")}`;

export function conversationsRepository({ db, t, atomic }: Dialect): ConversationsRepository {
  const c = t.conversations;
  const m = t.conversationMembers;
  const d = t.conversationDepartures;
  const b = t.userBlocks;

  // The guarded writes syncListView batches.
  const readSeqUpdate = (q: QueryDb, conversationId: string, userId: string, seq: number) =>
    q
      .update(m)
      .set({ lastReadSeq: seq })
      .where(and(eq(m.conversationId, conversationId), eq(m.userId, userId), lt(m.lastReadSeq, seq)));
  // The room writes this asynchronously, so writes can arrive late, twice or out of order.
  // Guarding on `last_message_seq < seq` makes each write a monotonic max: whatever order they
  // land in, the row converges to the highest seq, and a stale write is a no-op.
  const lastMessageUpdate = (q: QueryDb, conversationId: string, message: LastMessage) =>
    q
      .update(c)
      .set({
        lastMessageSeq: message.seq,
        lastMessage: message,
        lastActivityAt: sql`case when ${c.lastActivityAt} < ${message.created_at} then ${message.created_at} else ${c.lastActivityAt} end`,
      })
      .where(and(eq(c.id, conversationId), lt(c.lastMessageSeq, message.seq)));
  const lastMessageReplace = (q: QueryDb, conversationId: string, message: LastMessage) =>
    q
      .update(c)
      .set({ lastMessage: message })
      .where(and(eq(c.id, conversationId), eq(c.lastMessageSeq, message.seq)));

  const membersOf = async (ids: readonly string[]): Promise<ConversationMember[]> => {
    const out: ConversationMember[] = [];
    for (const part of chunk(ids, 1)) {
      out.push(...(await db.select().from(m).where(inArray(m.conversationId, part)).orderBy(asc(m.joinedAt), asc(m.userId))));
    }
    return out;
  };
  /** Which of `userIds` the reader blocks (the primary key starts with the blocker). */
  const blockedBy = async (readerId: string, userIds: readonly string[]): Promise<Set<string>> => {
    const out = new Set<string>();
    for (const part of chunk(userIds, 1)) {
      const rows = await db
        .select({ blockedId: b.blockedId })
        .from(b)
        .where(and(eq(b.blockerId, readerId), inArray(b.blockedId, part)));
      for (const row of rows) out.add(row.blockedId);
    }
    return out;
  };
  const withMembers = async (conversation: Conversation | undefined): Promise<ConversationWithMembers | null> =>
    conversation ? { ...conversation, members: await membersOf([conversation.id]) } : null;
  const get = async (conversationId: string): Promise<ConversationWithMembers | null> =>
    withMembers((await db.select().from(c).where(eq(c.id, conversationId)).limit(1))[0]);
  const memberInserts = (q: QueryDb, rows: ConversationMember[]) => chunk(rows, 5).map((part) => q.insert(m).values(part).onConflictDoNothing());

  return {
    async createDirect({ createdBy, otherUserId, encryption = "none" }, now = nowIso()) {
      const key = directKey(createdBy, otherUserId, encryption);
      const id = newId();
      const member =
        (userId: string) =>
        // INSERT ... SELECT from our own new row: if a racing call won the direct_key, our row does
        // not exist, so these insert nothing instead of failing on the foreign key.
        (q: QueryDb) =>
          q.insert(m).select(
            q
              .select({
                conversationId: c.id,
                userId: sql<string>`${userId}`.as("user_id"),
                role: sql<MemberRole>`'member'`.as("role"),
                joinedAt: sql<string>`${now}`.as("joined_at"),
                lastReadSeq: sql<number>`0`.as("last_read_seq"),
              })
              .from(c)
              .where(eq(c.id, id)),
          );
      const userIds = [...new Set([createdBy, otherUserId])];
      await atomic((q) => [
        q
          .insert(c)
          .values({ id, type: "direct", name: null, encryption, createdBy, directKey: key, createdAt: now, lastActivityAt: now })
          .onConflictDoNothing(),
        ...userIds.map((userId) => member(userId)(q)),
      ]);
      const [row] = await db.select().from(c).where(eq(c.directKey, key)).limit(1);
      const conversation = await withMembers(row);
      if (!conversation) throw new Error("direct conversation vanished after upsert");
      return { conversation, created: conversation.id === id };
    },
    async createGroup({ createdBy, name, memberIds, encryption = "none" }, now = nowIso()) {
      const id = newId();
      const rows: ConversationMember[] = [
        { conversationId: id, userId: createdBy, role: "owner", joinedAt: now, lastReadSeq: 0 },
        ...[...new Set(memberIds)]
          .filter((userId) => userId !== createdBy)
          .map((userId): ConversationMember => ({ conversationId: id, userId, role: "member", joinedAt: now, lastReadSeq: 0 })),
      ];
      await atomic((q): AtomicStatements => [
        q.insert(c).values({ id, type: "group", name, encryption, createdBy, directKey: null, createdAt: now, lastActivityAt: now }),
        ...memberInserts(q, rows),
      ]);
      const conversation = await get(id);
      if (!conversation) throw new Error("group conversation vanished after insert");
      return conversation;
    },
    get,
    async listForUser(userId, { limit, before }) {
      const unread = sql<number>`case when ${c.lastMessageSeq} > ${m.lastReadSeq} then ${c.lastMessageSeq} - ${m.lastReadSeq} else 0 end`.mapWith(Number);
      const page = await db
        .select({ conversation: c, role: m.role, lastReadSeq: m.lastReadSeq, unreadCount: unread })
        .from(m)
        .innerJoin(c, eq(c.id, m.conversationId))
        .where(
          and(
            eq(m.userId, userId),
            before ? or(lt(c.lastActivityAt, before.lastActivityAt), and(eq(c.lastActivityAt, before.lastActivityAt), lt(c.id, before.id))) : undefined,
          ),
        )
        .orderBy(desc(c.lastActivityAt), desc(c.id))
        .limit(limit);
      const members = await membersOf(page.map((row) => row.conversation.id));
      const senders = new Set(page.flatMap(({ conversation }) => (conversation.lastMessage ? [conversation.lastMessage.sender_id] : [])));
      senders.delete(userId);
      const blocked = senders.size > 0 ? await blockedBy(userId, [...senders]) : new Set<string>();
      return page.map((row) => ({
        ...row.conversation,
        members: members.filter((x) => x.conversationId === row.conversation.id),
        role: row.role,
        lastReadSeq: row.lastReadSeq,
        unreadCount: row.unreadCount,
        lastMessageSenderBlocked: row.conversation.lastMessage ? blocked.has(row.conversation.lastMessage.sender_id) : false,
      }));
    },
    async listIdsForUser(userId, limit) {
      const rows = await db
        .select({ id: c.id })
        .from(m)
        .innerJoin(c, eq(c.id, m.conversationId))
        .where(eq(m.userId, userId))
        .orderBy(desc(c.lastActivityAt), desc(c.id))
        .limit(limit);
      return rows.map((row) => row.id);
    },
    getMember: async (conversationId, userId) =>
      (
        await db
          .select()
          .from(m)
          .where(and(eq(m.conversationId, conversationId), eq(m.userId, userId)))
          .limit(1)
      )[0] ?? null,
    async isMember(conversationId, userId) {
      const rows = await db
        .select({ userId: m.userId })
        .from(m)
        .where(and(eq(m.conversationId, conversationId), eq(m.userId, userId)))
        .limit(1);
      return rows.length > 0;
    },
    async usersSharingAConversation(viewerId, userIds) {
      const viewersConversations = db.select({ id: m.conversationId }).from(m).where(eq(m.userId, viewerId));
      const found: string[] = [];
      const unique = [...new Set(userIds)];
      // D1 binds at most 100 parameters per statement (the viewer's id is one of them).
      for (let i = 0; i < unique.length; i += 90) {
        const part = unique.slice(i, i + 90);
        const rows = await db
          .selectDistinct({ userId: m.userId })
          .from(m)
          .where(and(inArray(m.userId, part), inArray(m.conversationId, viewersConversations)));
        found.push(...rows.map((row) => row.userId));
      }
      return found;
    },
    async deviceOwnerVisibleTo(deviceId, viewerId) {
      const dv = t.devices;
      // Inner query: the viewer's conversations; outer: the device owner is a member of one of them.
      const viewersConversations = db.select({ id: m.conversationId }).from(m).where(eq(m.userId, viewerId));
      const sharesOne = exists(
        db
          .select({ userId: m.userId })
          .from(m)
          .where(and(eq(m.userId, dv.userId), inArray(m.conversationId, viewersConversations))),
      );
      const rows = await db
        .select({ userId: dv.userId })
        .from(dv)
        .where(and(eq(dv.id, deviceId), or(eq(dv.userId, viewerId), sharesOne)))
        .limit(1);
      return rows[0]?.userId ?? null;
    },
    async addMembers(conversationId, userIds, role = "member", now = nowIso()) {
      const rows = [...new Set(userIds)].map((userId): ConversationMember => ({ conversationId, userId, role, joinedAt: now, lastReadSeq: 0 }));
      const added: ConversationMember[] = [];
      for (const part of chunk(rows, 5)) added.push(...(await db.insert(m).values(part).onConflictDoNothing().returning()));
      return added;
    },
    async rename(conversationId, name, now = nowIso()) {
      // Activity, as a message is: the group moves up in its members' lists, and the catch-up finds it.
      const rows = await db
        .update(c)
        .set({ name, lastActivityAt: sql`case when ${c.lastActivityAt} < ${now} then ${now} else ${c.lastActivityAt} end` })
        .where(eq(c.id, conversationId))
        .returning({ id: c.id });
      return rows.length > 0;
    },
    async removeMember(conversationId, userId, now = nowIso()) {
      const rows = await db
        .delete(m)
        .where(and(eq(m.conversationId, conversationId), eq(m.userId, userId)))
        .returning({ userId: m.userId });
      // Their messages stay in the room: remembered so an account erasure finds this room too.
      if (rows.length > 0) await db.insert(d).values({ conversationId, userId, leftAt: now }).onConflictDoNothing();
      return rows.length > 0;
    },
    setRole: async (conversationId, userId, role) =>
      (
        await db
          .update(m)
          .set({ role })
          .where(and(eq(m.conversationId, conversationId), eq(m.userId, userId)))
          .returning()
      )[0] ?? null,
    async listIdsForUserById(userId, limit, afterId) {
      // Two keyset pages merged: each holds at least the first `limit` of its own table, so the merge's first `limit` are exact.
      const [current, left] = await Promise.all([
        db
          .select({ id: m.conversationId })
          .from(m)
          .where(and(eq(m.userId, userId), afterId !== undefined ? gt(m.conversationId, afterId) : undefined))
          .orderBy(asc(m.conversationId))
          .limit(limit),
        db
          .select({ id: d.conversationId })
          .from(d)
          .where(and(eq(d.userId, userId), afterId !== undefined ? gt(d.conversationId, afterId) : undefined))
          .orderBy(asc(d.conversationId))
          .limit(limit),
      ]);
      const ids = [...new Set([...current, ...left].map((row) => row.id))];
      // Byte order, like the databases' (C collation on Postgres, see schema/README.md).
      return ids.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).slice(0, limit);
    },
    async departForErasure(conversationId, userId) {
      const conversation = await get(conversationId);
      if (!conversation) return null;
      const leaving = conversation.members.find((x) => x.userId === userId);
      const rest = conversation.members.filter((x) => x.userId !== userId);
      if (!leaving && conversation.createdBy !== userId) {
        await db.delete(d).where(and(eq(d.conversationId, conversationId), eq(d.userId, userId)));
        return conversation;
      }
      if (rest.length === 0) {
        // Members, calls and participants cascade.
        await db.delete(c).where(eq(c.id, conversationId));
        return null;
      }
      // rest is in joined order (membersOf), so the first admin / first member is the longest-standing.
      const heir = leaving?.role === "owner" ? (rest.find((x) => x.role === "admin") ?? rest[0]) : undefined;
      const creator = conversation.createdBy === userId ? (heir ?? rest.find((x) => x.role === "owner") ?? rest[0]) : undefined;
      await atomic((q): AtomicStatements => [
        q.delete(m).where(and(eq(m.conversationId, conversationId), eq(m.userId, userId))),
        q.delete(d).where(and(eq(d.conversationId, conversationId), eq(d.userId, userId))),
        ...(creator || conversation.type === "direct"
          ? [
              q
                .update(c)
                .set({ ...(creator ? { createdBy: creator.userId } : {}), ...(conversation.type === "direct" ? { directKey: null } : {}) })
                .where(eq(c.id, conversationId)),
            ]
          : []),
        ...(heir
          ? [
              q
                .update(m)
                .set({ role: "owner" })
                .where(and(eq(m.conversationId, conversationId), eq(m.userId, heir.userId))),
            ]
          : []),
      ]);
      return get(conversationId);
    },
    async syncListView(conversationId, { lastMessage, reads }) {
      const summary = lastMessage ? [lastMessage] : [];
      const writes = [
        ...summary.map(
          ({ message, mode }) =>
            (q: QueryDb) =>
              (mode === "newer" ? lastMessageUpdate : lastMessageReplace)(q, conversationId, message),
        ),
        ...reads.map(
          ({ userId, seq }) =>
            (q: QueryDb) =>
              readSeqUpdate(q, conversationId, userId, seq),
        ),
      ];
      for (let i = 0; i < writes.length; i += LIST_VIEW_BATCH) {
        const group = writes.slice(i, i + LIST_VIEW_BATCH);
        await atomic((q) => {
          const [first, ...rest] = group.map((write) => write(q));
          if (!first) throw new Error("syncListView: empty batch");
          return [first, ...rest];
        });
      }
    },
  };
}
