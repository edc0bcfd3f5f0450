import { DurableObject } from "cloudflare:workers";
import { SIGNALING_PING, SIGNALING_PONG } from "../../../../lib/contracts/call-frames";
import type { CallView } from "../../../../lib/contracts/calls";
import { AppError } from "../../../../lib/errors";
import { toResult, type Result } from "../../../../lib/result";
import { durableObjectByName } from "../../../../lib/rpc";
import { callView, nextTimer, type CallState, type TimerKind } from "./call-state";
import { declineCall, departCall, endCallBy, joinCall, ringTimeout, startCall, sweepCall, type Actor, type RoomDeps, type StartCall } from "./room-lifecycle";
import { requireInvitee, requireOpen, requirePresent } from "./room-rules";
import { recordSfu, sfuCheck, type SfuCheck, type SfuRecord } from "./room-sfu";
import { handleSignalingFrame, openSignalingSocket, touchParticipant, type MuteChange } from "./room-signaling";
import { broadcast } from "./room-sockets";
import { announceTracks, muteFrame } from "./room-tracks";

export type { Actor, StartCall } from "./room-lifecycle";

/**
 * One per call (named by the call id): `ringing → active → ended` (room-lifecycle.ts), the
 * signaling relay (room-signaling.ts), SFU ownership (room-sfu.ts), every timer as the one alarm.
 * Transitions run one at a time (`serial`) on a private copy of the state, write the call log,
 * then commit to storage. A second role, on instances named `line:<conversation id>`, is the
 * conversation's line: it admits at most one open call at a time, atomically.
 */
/** Who holds a conversation's line, since when. */
interface LineHolder {
  callId: string;
  claimedMs: number;
}
const LINE_START_GRACE_MS = 30_000;

export class CallRoom extends DurableObject<CallsEnv> {
  private cached: CallState | null | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  private readonly deps: RoomDeps;

  constructor(ctx: DurableObjectState, env: CallsEnv) {
    super(ctx, env);
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(SIGNALING_PING, SIGNALING_PONG));
    this.deps = { env, ctx, commit: (state) => this.commit(state) };
  }

  /* ---------- the conversation's line ---------- */

  async claimLine(callId: string): Promise<{ claimed: true } | { claimed: false; openCallId: string }> {
    return this.serial(async () => {
      const current = await this.ctx.storage.get<LineHolder>("line");
      if (current && current.callId !== callId) {
        // A claim whose room has not started yet is held (the claimer is starting it right now);
        // past the grace period, a holder that is not open (never started, crashed) frees the line.
        const starting = Date.now() - current.claimedMs < LINE_START_GRACE_MS;
        const room = durableObjectByName(this.env.CALL_ROOM, current.callId);
        if (starting || (await room.isOpen())) return { claimed: false as const, openCallId: current.callId };
      }
      await this.ctx.storage.put("line", { callId, claimedMs: Date.now() } satisfies LineHolder);
      return { claimed: true as const };
    });
  }

  async releaseLine(callId: string): Promise<void> {
    await this.serial(async () => {
      if ((await this.ctx.storage.get<LineHolder>("line"))?.callId === callId) await this.ctx.storage.delete("line");
    });
  }

  async isOpen(): Promise<boolean> {
    const state = await this.load();
    return state !== null && state.status !== "ended";
  }

  /* ---------- lifecycle (RPC from CallsService; failures come back as Results) ---------- */

  start(input: StartCall): Promise<Result<CallView>> {
    return this.transition(async () => {
      const existing = await this.load();
      return existing ? callView(existing) : startCall(this.deps, input);
    });
  }

  join(actor: Actor, requestId: string): Promise<Result<CallView>> {
    // Not invited is fine here: joinCall admits a current member of a group call as a late invitee.
    return this.transition(async () => {
      const state = await this.load();
      if (!state) throw new AppError("NOT_FOUND", "No such call.");
      return joinCall(this.deps, structuredClone(state), actor, requestId);
    });
  }

  decline(actor: Actor, requestId: string): Promise<Result<CallView>> {
    return this.transition(async () => declineCall(this.deps, await this.copyFor(actor.userId, "decline"), actor, requestId));
  }

  leave(userId: string, requestId: string): Promise<Result<CallView>> {
    return this.transition(async () => departCall(this.deps, await this.copyFor(userId, "leave"), userId, "left", requestId));
  }

  end(userId: string, requestId: string): Promise<Result<CallView>> {
    return this.transition(async () => endCallBy(this.deps, await this.copyFor(userId, "end"), userId, requestId));
  }

  /* ---------- SFU ownership (the proxy calls Cloudflare between check and record) ---------- */

  async sfuCheck(userId: string, check: SfuCheck): Promise<Result<null>> {
    return toResult(async () => {
      sfuCheck(requireInvitee(await this.load(), userId, "sfu"), userId, check);
      return null;
    });
  }

  sfuRecord(userId: string, record: SfuRecord): Promise<Result<null>> {
    return this.transition(async () => {
      const state = await this.copyFor(userId, "sfu");
      requireOpen(state);
      requirePresent(state, userId, "sfu");
      const { changes } = recordSfu(state, userId, record);
      await this.commit(state);
      announceTracks(this.ctx, userId, changes);
      return null;
    });
  }

  /** RealtimeKit: the call's meeting id; the first caller to set one wins (a racing loser's meeting is unused). */
  meeting(userId: string, candidate?: string): Promise<Result<string | null>> {
    return this.transition(async () => {
      const state = await this.copyFor(userId, "meeting");
      if (state.meetingId || !candidate) return state.meetingId;
      state.meetingId = candidate;
      await this.commit(state);
      return candidate;
    });
  }

  /* ---------- signaling sockets (hibernation API) ---------- */

  override async fetch(request: Request): Promise<Response> {
    return openSignalingSocket(this.ctx, await this.load(), request, (state, userId) => this.touch(state, userId));
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    const mute = handleSignalingFrame(this.ctx, await this.load(), ws, message);
    if (mute) await this.setMute(mute);
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    await touchParticipant(this.ctx, await this.load(), ws, code, (state, userId) => this.touch(state, userId));
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    await this.webSocketClose(ws, 1006);
  }

  /* ---------- the one alarm: ring deadline, stale sweep, or cleanup after the end ---------- */

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
      // A throw here (database down) makes the runtime retry the alarm; nothing was committed.
      const requestId = `alarm:${loaded.id}`;
      if (kind === "ring") await ringTimeout(this.deps, structuredClone(loaded), requestId);
      else await sweepCall(this.deps, structuredClone(loaded), requestId);
    });
  }

  /* ---------- internals ---------- */

  private transition<T>(body: () => Promise<T>): Promise<Result<T>> {
    return toResult(() => this.serial(body));
  }

  /** A private copy of the state for an invitee (NOT_FOUND for anybody else). */
  private async copyFor(userId: string, action: string): Promise<CallState> {
    return structuredClone(requireInvitee(await this.load(), userId, action));
  }

  private async touch(state: CallState, userId: string): Promise<void> {
    await this.serial(async () => {
      const current = await this.load();
      const p = current?.participants[userId];
      if (!current || !p || current.id !== state.id || current.status === "ended") return;
      const copy = structuredClone(current);
      const mine = copy.participants[userId];
      if (mine) mine.lastSeenMs = Date.now();
      await this.commit(copy);
    });
  }

  /** Stores a participant's mute state and tells the others (unchanged state: nobody is told again). */
  private async setMute({ userId, muted }: MuteChange): Promise<void> {
    await this.serial(async () => {
      const current = await this.load();
      const p = current?.participants[userId];
      if (!current || !p || current.status === "ended" || p.leftAt !== null) return;
      if (p.muted?.audio === muted.audio && p.muted.video === muted.video) return;
      const copy = structuredClone(current);
      const mine = copy.participants[userId];
      if (mine) mine.muted = muted;
      await this.commit(copy);
      broadcast(this.ctx, muteFrame(userId, muted), userId);
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
