import { DurableObject } from "cloudflare:workers";
import { SIGNALING_CLOSE, SIGNALING_PING, SIGNALING_PONG } from "../../../../lib/contracts/call-frames";
import type { CallView } from "../../../../lib/contracts/calls";
import { AppError } from "../../../../lib/errors";
import { log } from "../../../../lib/log";
import { toResult, type Result } from "../../../../lib/result";
import type { CallType } from "../../../../lib/db/rows";
import { callView, endCall, isOneToOne, nextTimer, pendingUserIds, presentUserIds, reasonOnLastLeave, type CallState, type EndReason, type TimerKind } from "./call-state";
import { notifyMembers } from "./room-notify";
import { persistActive, persistCreated, persistEnded, persistParticipant } from "./room-persist";
import { requireInvitee, requireMayEnd, requireOpen, requirePresent } from "./room-rules";
import { handleSignalingFrame, openSignalingSocket, touchParticipant } from "./room-signaling";
import { broadcast, closeSockets, send, socketsOf } from "./room-sockets";
import { closeLeftoverTracks } from "../sfu/sfu-cleanup";
import { recordSfu, sfuCheck, staleParticipants, type SfuCheck, type SfuRecord } from "./room-sfu";

export interface StartCall {
  callId: string;
  conversationId: string;
  type: CallType;
  initiatorId: string;
  memberIds: string[];
  ringTimeoutSeconds: number;
  requestId: string;
}

/**
 * One per call (named by the call id): `ringing → active → ended`, the signaling relay, SFU
 * ownership, and every timer as an alarm. Transitions run one at a time (`serial`), write the
 * call log first and then commit to storage (see room-persist.ts). A second role, on instances
 * named `line:<conversation id>`, is the conversation's line: at most one open call at a time.
 */
export class CallRoom extends DurableObject<CallsEnv> {
  private cached: CallState | null | undefined;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(ctx: DurableObjectState, env: CallsEnv) {
    super(ctx, env);
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(SIGNALING_PING, SIGNALING_PONG));
  }

  /* ---------- the conversation's line ---------- */

  async claimLine(callId: string): Promise<{ claimed: true } | { claimed: false; openCallId: string }> {
    return this.serial(async () => {
      const current = await this.ctx.storage.get<string>("line");
      if (current && current !== callId) {
        const room = this.env.CALL_ROOM.get(this.env.CALL_ROOM.idFromName(current));
        // Self-healing: a line held by a call that is no longer open is free.
        if (await room.isOpen()) return { claimed: false as const, openCallId: current };
      }
      await this.ctx.storage.put("line", callId);
      return { claimed: true as const };
    });
  }

  async releaseLine(callId: string): Promise<void> {
    await this.serial(async () => {
      if ((await this.ctx.storage.get<string>("line")) === callId) await this.ctx.storage.delete("line");
    });
  }

  async isOpen(): Promise<boolean> {
    const state = await this.load();
    return state !== null && state.status !== "ended";
  }

  /* ---------- lifecycle (RPC from CallsService) ---------- */

  async start(input: StartCall): Promise<Result<CallView>> {
    return toResult(() =>
      this.serial(async () => {
        const existing = await this.load();
        if (existing) return callView(existing);
        const nowMs = Date.now();
        const now = new Date(nowMs).toISOString();
        const state: CallState = {
          id: input.callId, conversationId: input.conversationId, type: input.type, initiatorId: input.initiatorId,
          status: "ringing", createdAt: now, startedAt: null, endedAt: null, endReason: null, durationSeconds: null,
          ringDeadlineMs: nowMs + input.ringTimeoutSeconds * 1000, participants: {}, sfuSessions: {}, meetingId: null,
        };
        for (const userId of new Set([input.initiatorId, ...input.memberIds])) {
          const initiator = userId === input.initiatorId;
          state.participants[userId] = { outcome: initiator ? "joined" : "pending", joinedAt: initiator ? now : null, leftAt: null, lastSeenMs: nowMs };
        }
        await persistCreated(this.env, state);
        await this.commit(state);
        log({ event: "call_state", call_id: state.id, status: "ringing", request_id: input.requestId });
        await notifyMembers(this.env, { requestId: input.requestId }, state, "incoming", pendingUserIds(state));
        return callView(state);
      }),
    );
  }

  async join(userId: string, requestId: string): Promise<Result<CallView>> {
    return toResult(() =>
      this.serial(async () => {
        const state = structuredClone(requireInvitee(await this.load(), userId, "join"));
        requireOpen(state);
        const p = state.participants[userId];
        if (!p) throw new AppError("NOT_FOUND", "No such call.");
        const earlierSockets = socketsOf(this.ctx, userId);
        const now = new Date().toISOString();
        const wasPresent = p.outcome === "joined" && p.leftAt === null;
        if (!wasPresent) {
          p.outcome = "joined";
          p.joinedAt = p.joinedAt ?? now;
          p.leftAt = null;
          p.lastSeenMs = Date.now();
          await persistParticipant(this.env, state, userId, { outcome: "joined", joinedAt: p.joinedAt, leftAt: null });
        }
        const activates = state.status === "ringing" && userId !== state.initiatorId;
        if (activates) {
          state.status = "active";
          state.startedAt = now;
          await persistActive(this.env, state, now);
        }
        await this.commit(state);
        // Other devices of this user stop ringing (chat) and hand over their signaling (room).
        for (const ws of earlierSockets) send(ws, { type: "answered_elsewhere", call_id: state.id });
        closeSockets(earlierSockets, SIGNALING_CLOSE.answeredElsewhere, "answered elsewhere");
        if (!wasPresent) {
          log({ event: "call_participant", call_id: state.id, user_id: userId, action: "joined", request_id: requestId });
          broadcast(this.ctx, { type: "participant_joined", user_id: userId }, userId);
        }
        if (activates) this.announceState(state, requestId);
        await notifyMembers(this.env, { requestId, userId }, state, "answered_elsewhere", [userId]);
        return callView(state);
      }),
    );
  }

  async decline(userId: string, requestId: string): Promise<Result<CallView>> {
    return toResult(() =>
      this.serial(async () => {
        const state = structuredClone(requireInvitee(await this.load(), userId, "decline"));
        requireOpen(state);
        const p = state.participants[userId];
        if (!p || p.outcome !== "pending") throw new AppError("CONFLICT", "Only a ringing invitation can be declined.");
        p.outcome = "declined";
        await persistParticipant(this.env, state, userId, { outcome: "declined" }, ["pending"]);
        log({ event: "call_participant", call_id: state.id, user_id: userId, action: "declined", request_id: requestId });
        const othersLeft = pendingUserIds(state).length > 0 || presentUserIds(state).some((id) => id !== state.initiatorId);
        if (isOneToOne(state) || (state.status === "ringing" && !othersLeft)) return this.finish(state, "declined", requestId);
        await this.commit(state);
        await notifyMembers(this.env, { requestId, userId }, state, "answered_elsewhere", [userId]);
        return callView(state);
      }),
    );
  }

  async leave(userId: string, requestId: string): Promise<Result<CallView>> {
    return toResult(() => this.serial(async () => this.depart(structuredClone(requireInvitee(await this.load(), userId, "leave")), userId, "left", requestId)));
  }

  async end(userId: string, requestId: string): Promise<Result<CallView>> {
    return toResult(() =>
      this.serial(async () => {
        const state = structuredClone(requireInvitee(await this.load(), userId, "end"));
        if (state.status === "ended") return callView(state);
        requireMayEnd(state, userId);
        // Before anybody answered, hanging up is a cancel (the callees missed it) in any call.
        const reason = isOneToOne(state) || !state.startedAt ? reasonOnLastLeave(state) : "ended_by_initiator";
        return this.finish(state, reason, requestId);
      }),
    );
  }

  /** The persisted call as the room sees it, for an invitee (NOT_FOUND otherwise). */
  async view(userId: string): Promise<Result<CallView>> {
    return toResult(async () => callView(requireInvitee(await this.load(), userId, "view")));
  }

  /* ---------- SFU ownership (the proxy calls Cloudflare between check and record) ---------- */

  async sfuCheck(userId: string, check: SfuCheck): Promise<Result<null>> {
    return toResult(async () => {
      sfuCheck(requireInvitee(await this.load(), userId, "sfu"), userId, check);
      return null;
    });
  }

  async sfuRecord(userId: string, record: SfuRecord): Promise<Result<null>> {
    return toResult(() =>
      this.serial(async () => {
        const state = structuredClone(requireInvitee(await this.load(), userId, "sfu"));
        requireOpen(state);
        requirePresent(state, userId, "sfu");
        recordSfu(state, userId, record);
        await this.commit(state);
        return null;
      }),
    );
  }

  /** RealtimeKit: the call's meeting id; the first caller to set one wins (a racing loser's meeting is unused). */
  async meeting(userId: string, candidate?: string): Promise<Result<string | null>> {
    return toResult(() =>
      this.serial(async () => {
        const state = structuredClone(requireInvitee(await this.load(), userId, "meeting"));
        if (state.meetingId || !candidate) return state.meetingId;
        state.meetingId = candidate;
        await this.commit(state);
        return candidate;
      }),
    );
  }

  /* ---------- signaling sockets ---------- */

  override async fetch(request: Request): Promise<Response> {
    return openSignalingSocket(this.ctx, await this.load(), request, (state, userId) => this.touch(state, userId));
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    handleSignalingFrame(this.ctx, await this.load(), ws, message);
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    const state = await this.load();
    await touchParticipant(this.ctx, state, ws, code, (s, userId) => this.touch(s, userId));
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    await this.webSocketClose(ws, 1006);
  }

  /* ---------- timers ---------- */

  override async alarm(): Promise<void> {
    const kind = (await this.ctx.storage.get<TimerKind>("timer")) ?? "sweep";
    await this.serial(async () => {
      const loaded = await this.load();
      if (!loaded) return;
      if (kind === "cleanup") {
        await this.ctx.storage.deleteAll();
        this.cached = null;
        return;
      }
      const state = structuredClone(loaded);
      const requestId = `alarm:${state.id}`;
      if (kind === "ring") await this.ringTimeout(state, requestId);
      else await this.sweep(state, requestId);
    });
  }

  private async ringTimeout(state: CallState, requestId: string): Promise<void> {
    const missed = pendingUserIds(state);
    if (state.status === "ringing") {
      await this.finish(state, "no_answer", requestId);
      return;
    }
    for (const userId of missed) {
      const p = state.participants[userId];
      if (p) p.outcome = "missed";
      await persistParticipant(this.env, state, userId, { outcome: "missed" }, ["pending"]);
      log({ event: "call_participant", call_id: state.id, user_id: userId, action: "missed", request_id: requestId });
    }
    await this.commit(state);
    await notifyMembers(this.env, { requestId }, state, "missed", missed);
  }

  private async sweep(state: CallState, requestId: string): Promise<void> {
    const stale = staleParticipants(this.ctx, state, Date.now());
    for (const userId of stale) {
      log({ event: "call_participant", call_id: state.id, user_id: userId, action: "swept", request_id: requestId });
      const after = await this.depart(state, userId, "swept", requestId);
      if (after.status === "ended") return;
    }
    if (stale.length === 0) await this.commit(state);
  }

  /* ---------- internals ---------- */

  private async depart(state: CallState, userId: string, why: "left" | "swept", requestId: string): Promise<CallView> {
    if (state.status === "ended") return callView(state);
    requirePresent(state, userId, "leave");
    const p = state.participants[userId];
    const now = new Date().toISOString();
    if (p) p.leftAt = now;
    await persistParticipant(this.env, state, userId, { leftAt: now });
    if (why === "left") log({ event: "call_participant", call_id: state.id, user_id: userId, action: "left", request_id: requestId });
    closeSockets(socketsOf(this.ctx, userId), SIGNALING_CLOSE.left, why);
    broadcast(this.ctx, { type: "participant_left", user_id: userId }, userId);
    const closing = recordSfu(state, userId, { kind: "forget_user" });
    await this.closeSfuTracks(closing, requestId);
    if (isOneToOne(state) || presentUserIds(state).length === 0) return this.finish(state, reasonOnLastLeave(state), requestId);
    await this.commit(state);
    return callView(state);
  }

  private async finish(state: CallState, reason: EndReason, requestId: string): Promise<CallView> {
    const now = new Date().toISOString();
    const sfuLeftovers = Object.entries(state.sfuSessions).map(([sessionId, s]) => ({ sessionId, mids: s.mids }));
    const missed = endCall(state, reason, now);
    state.sfuSessions = {};
    await persistEnded(this.env, state, reason, now);
    await this.commit(state);
    log({ event: "call_state", call_id: state.id, status: "ended", reason, request_id: requestId });
    this.announceState(state, requestId);
    closeSockets(socketsOf(this.ctx), SIGNALING_CLOSE.ended, "call ended");
    const line = this.env.CALL_ROOM.get(this.env.CALL_ROOM.idFromName(`line:${state.conversationId}`));
    await line.releaseLine(state.id);
    const ctx = { requestId };
    await notifyMembers(this.env, ctx, state, "ended", Object.keys(state.participants));
    await notifyMembers(this.env, ctx, state, "missed", missed);
    await this.closeSfuTracks(sfuLeftovers, requestId);
    return callView(state);
  }

  private announceState(state: CallState, requestId: string): void {
    if (state.status !== "ended") log({ event: "call_state", call_id: state.id, status: state.status, request_id: requestId });
    broadcast(this.ctx, { type: "call_state", status: state.status, call: callView(state) });
  }

  private async closeSfuTracks(sessions: { sessionId: string; mids: string[] }[], requestId: string): Promise<void> {
    await closeLeftoverTracks(this.env, sessions, requestId);
  }

  private async touch(state: CallState, userId: string): Promise<void> {
    await this.serial(async () => {
      const current = structuredClone(await this.load());
      const p = current?.participants[userId];
      if (!current || !p || current.id !== state.id) return;
      p.lastSeenMs = Date.now();
      await this.commit(current);
    });
  }

  private async load(): Promise<CallState | null> {
    if (this.cached === undefined) this.cached = (await this.ctx.storage.get<CallState>("state")) ?? null;
    return this.cached;
  }

  /** Stores the state and points the one alarm at the next timer. */
  private async commit(state: CallState): Promise<void> {
    const timer = nextTimer(state, Date.now());
    await this.ctx.storage.put({ state, timer: timer.kind });
    await this.ctx.storage.setAlarm(timer.at);
    this.cached = state;
  }

  private serial<T>(body: () => Promise<T>): Promise<T> {
    const run = this.chain.then(body, body);
    this.chain = run.catch(() => undefined);
    return run;
  }
}
