import { and, asc, desc, eq, inArray, isNotNull, isNull, lt, notExists, or } from "drizzle-orm";
import { newId } from "../ids";
import { chunk, nowIso } from "./clock";
import type { AtomicStatements, Dialect } from "./query-db";
import type { Call, CallParticipant, CallStatus, CallType, ParticipantOutcome } from "./rows";

export type CallWithParticipants = Call & { participants: CallParticipant[] };
export type CallHistoryItem = CallWithParticipants & { missed: boolean };
export type ParticipantPatch = Partial<Pick<CallParticipant, "outcome" | "joinedAt" | "leftAt">>;

/** The persisted call log; the live state machine runs in the CallRoom DO, which writes here. */
export interface CallsRepository {
  /** Status `ringing`; the initiator is `joined` at `now`, every other participant `pending`. */
  /** `id` lets the caller (the CallRoom, named by the call id) choose the id; a new UUIDv7 otherwise. */
  create(
    input: { id?: string; conversationId: string; type: CallType; initiatorId: string; participantIds: readonly string[] },
    now?: string,
  ): Promise<CallWithParticipants>;
  get(callId: string): Promise<CallWithParticipants | null>;
  /** ringing → active (sets started_at once). Null if the call is not ringing. */
  markActive(callId: string, now?: string): Promise<Call | null>;
  /**
   * ringing|active → ended, with duration from started_at; participants still `pending` become
   * `missed`, and joined ones without left_at leave at `now`. Null if already ended (idempotent).
   */
  end(callId: string, reason: string, now?: string): Promise<Call | null>;
  /** A member added to the conversation while the call is open (a group call rings them on add): a `pending` row, once. */
  addParticipant(callId: string, userId: string): Promise<void>;
  /** Updates one participant row; `onlyIf` guards the transition (e.g. decline only while pending). */
  updateParticipant(callId: string, userId: string, patch: ParticipantPatch, onlyIf?: readonly ParticipantOutcome[]): Promise<CallParticipant | null>;
  /**
   * Newest first, with `missed` from the caller's own participant row. Leaves out calls started by
   * someone the caller blocks (issue 21), unless the caller joined them (a block placed after).
   */
  listForConversation(conversationId: string, userId: string, opts: { limit: number; before?: string }): Promise<CallHistoryItem[]>;
}

export function callsRepository({ db, t, atomic }: Dialect): CallsRepository {
  const c = t.calls;
  const p = t.callParticipants;
  const b = t.userBlocks;
  const participantsOf = async (ids: readonly string[]): Promise<CallParticipant[]> => {
    const out: CallParticipant[] = [];
    for (const part of chunk(ids, 1)) out.push(...(await db.select().from(p).where(inArray(p.callId, part)).orderBy(asc(p.userId))));
    return out;
  };
  const get = async (callId: string): Promise<CallWithParticipants | null> => {
    const [call] = await db.select().from(c).where(eq(c.id, callId)).limit(1);
    return call ? { ...call, participants: await participantsOf([call.id]) } : null;
  };
  const transition = async (callId: string, from: readonly CallStatus[], set: Partial<Call>): Promise<Call | null> =>
    (
      await db
        .update(c)
        .set(set)
        .where(and(eq(c.id, callId), inArray(c.status, [...from])))
        .returning()
    )[0] ?? null;

  return {
    async create(input, now = nowIso()) {
      const id = input.id ?? newId();
      const ids = [...new Set([input.initiatorId, ...input.participantIds])];
      const rows = ids.map((userId): CallParticipant => {
        const initiator = userId === input.initiatorId;
        return { callId: id, userId, joinedAt: initiator ? now : null, leftAt: null, outcome: initiator ? "joined" : "pending" };
      });
      await atomic((q): AtomicStatements => [
        q.insert(c).values({ id, conversationId: input.conversationId, type: input.type, status: "ringing", initiatorId: input.initiatorId, createdAt: now }),
        ...chunk(rows, 5).map((part) => q.insert(p).values(part)),
      ]);
      const call = await get(id);
      if (!call) throw new Error("call vanished after insert");
      return call;
    },
    get,
    markActive: (callId, now = nowIso()) => transition(callId, ["ringing"], { status: "active", startedAt: now }),
    async end(callId, reason, now = nowIso()) {
      const [current] = await db.select().from(c).where(eq(c.id, callId)).limit(1);
      if (!current || current.status === "ended") return null;
      const duration = current.startedAt ? Math.max(0, Math.round((Date.parse(now) - Date.parse(current.startedAt)) / 1000)) : null;
      const ended = await transition(callId, ["ringing", "active"], { status: "ended", endedAt: now, endReason: reason, durationSeconds: duration });
      if (!ended) return null; // a concurrent end won
      await atomic((q) => [
        q
          .update(p)
          .set({ outcome: "missed" })
          .where(and(eq(p.callId, callId), eq(p.outcome, "pending"))),
        q
          .update(p)
          .set({ leftAt: now })
          .where(and(eq(p.callId, callId), eq(p.outcome, "joined"), isNull(p.leftAt))),
      ]);
      return ended;
    },
    async addParticipant(callId, userId) {
      await db.insert(p).values({ callId, userId, joinedAt: null, leftAt: null, outcome: "pending" }).onConflictDoNothing();
    },
    async updateParticipant(callId, userId, patch, onlyIf) {
      const [row] = await db
        .update(p)
        .set(patch)
        .where(and(eq(p.callId, callId), eq(p.userId, userId), onlyIf ? inArray(p.outcome, [...onlyIf]) : undefined))
        .returning();
      return row ?? null;
    },
    async listForConversation(conversationId, userId, { limit, before }) {
      const page = await db
        .select({ call: c, myOutcome: p.outcome })
        .from(c)
        .leftJoin(p, and(eq(p.callId, c.id), eq(p.userId, userId)))
        .where(
          and(
            eq(c.conversationId, conversationId),
            before ? lt(c.createdAt, before) : undefined,
            or(
              isNotNull(p.joinedAt),
              notExists(
                db
                  .select({ one: b.blockerId })
                  .from(b)
                  .where(and(eq(b.blockerId, userId), eq(b.blockedId, c.initiatorId))),
              ),
            ),
          ),
        )
        .orderBy(desc(c.createdAt), desc(c.id))
        .limit(limit);
      const participants = await participantsOf(page.map((row) => row.call.id));
      return page.map(({ call, myOutcome }) => ({
        ...call,
        participants: participants.filter((x) => x.callId === call.id),
        missed: myOutcome === "missed",
      }));
    },
  };
}
