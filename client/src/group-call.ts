import { assertNever } from "../../lib/assert-never";
import type { CallSessionOptions } from "./call-session";
import { Emitter } from "./emitter";
import type { GroupConnectionState, GroupMedia, GroupMediaSink, ParticipantMediaStats } from "./group-media";
import type { ManagedSocket, SocketState } from "./managed-socket";
import { loadRealtimeKit, RealtimeKitMedia, type KitInit } from "./realtimekit-media";
import { SfuMedia } from "./sfu-media";
import { signalingSocket } from "./signaling-socket";
import type { CallJoinResponse, SignalingServerFrame } from "./types";

type CallView = CallJoinResponse["call"];

/** One other participant as the grid shows them. */
export interface GroupParticipant {
  userId: string;
  /** Their tracks as they arrive (empty until pulled; the same object for the whole call). */
  stream: MediaStream;
  audioMuted: boolean;
  videoMuted: boolean;
}

export interface GroupCallEvents {
  /** The other participants in the call, after any change (joined, left, tracks, mute). */
  participants: GroupParticipant[];
  connection: GroupConnectionState;
  signaling: SocketState;
  call: CallView;
  ended: CallView | null;
  error: { code: string; message: string };
}

export interface GroupCallOptions extends CallSessionOptions {
  /** `new MediaStream()` unless given (tests outside a browser). */
  createMediaStream?: () => MediaStream;
  /** RealtimeKit's `Client.init`, loaded on first use unless given. */
  realtimeKit?: () => Promise<KitInit>;
}

/**
 * A group call: everyone's media through the SFU (our proxy to Cloudflare Realtime, or RealtimeKit
 * when the join answer carries a participant token), the call's control over its signaling socket:
 * who is in it, which tracks they publish (GroupMedia pulls them), who is muted. The 1:1 call of a
 * direct conversation is CallSession (peer to peer).
 */
export class GroupCall extends Emitter<GroupCallEvents> {
  readonly media: GroupMedia;
  private readonly socket: ManagedSocket;
  private readonly roster = new Map<string, GroupParticipant>();
  private muted = { audio: false, video: false };
  /** Once we said anything, every change is said (an unmute too). */
  private muteSaid = false;
  private done = false;
  call: CallView;

  private constructor(
    private readonly options: GroupCallOptions,
    joined: CallJoinResponse,
  ) {
    super();
    this.call = joined.call;
    for (const p of joined.call.participants) if (p.outcome === "joined" && p.left_at === null) this.enter(p.user_id);
    const sink: GroupMediaSink = {
      addTrack: (userId, track) => this.withParticipant(userId, (p) => p.stream.addTrack(track)),
      // Never brings back a participant who left (their pulls close after participant_left).
      removeTrack: (userId, track) => this.withParticipant(userId, (p) => p.stream.removeTrack(track), false),
      connection: (state) => this.emit("connection", state),
      error: (code, message) => this.emit("error", { code, message }),
    };
    this.media = joined.realtimekit
      ? new RealtimeKitMedia({ authToken: joined.realtimekit.auth_token, localStream: options.localStream, init: options.realtimeKit ?? loadRealtimeKit, sink })
      : new SfuMedia({
          api: options.api,
          callId: joined.call.id,
          localStream: options.localStream,
          createPeerConnection: options.createPeerConnection,
          iceServers: options.iceServers ?? joined.ice_servers,
          sink,
        });
    this.socket = signalingSocket({
      callId: joined.call.id,
      socketUrl: options.socketUrl,
      WebSocket: options.WebSocket,
      isFatal: options.isFatal,
      // After a reconnect the room has our state already; saying it again is harmless and covers a lost frame.
      onOpen: () => this.sendMute(),
      onFrame: (frame) => this.handle(frame),
      onError: (message) => this.emit("error", { code: "SIGNALING", message }),
      onState: (state, finalCode) => {
        this.emit("signaling", state);
        if (state === "closed" && finalCode !== undefined) void this.finish(null);
      },
    });
  }

  /** Starts a call in a group conversation (its members are rung) and publishes at once. */
  static async start(options: GroupCallOptions, conversationId: string, type: "audio" | "video" = "video"): Promise<GroupCall> {
    return GroupCall.open(options, await options.api.calls.initiate({ conversation_id: conversationId, type }));
  }

  /** Joins a ringing or running group call (also one the user was added to late). */
  static async join(options: GroupCallOptions, callId: string): Promise<GroupCall> {
    return GroupCall.open(options, await options.api.calls.join(callId));
  }

  private static async open(options: GroupCallOptions, joined: CallJoinResponse): Promise<GroupCall> {
    const call = new GroupCall(options, joined);
    try {
      await call.media.start();
    } catch (err) {
      await call.leave();
      throw err;
    }
    return call;
  }

  /** The other participants now. */
  participants(): GroupParticipant[] {
    return [...this.roster.values()];
  }

  get selfMuted(): { audio: boolean; video: boolean } {
    return { ...this.muted };
  }

  /** Pauses (or resumes) our microphone or camera and tells the others. */
  async setMuted(kind: "audio" | "video", muted: boolean): Promise<void> {
    this.muted = { ...this.muted, [kind]: muted };
    await this.media.setMuted(kind, muted);
    this.sendMute();
  }

  /** Frames decoded, audio packets and level per other participant (who is speaking). */
  stats(): Promise<Map<string, ParticipantMediaStats>> {
    return this.media.stats();
  }

  /** Closes our tracks, leaves the call (a group call goes on for the others), releases everything. */
  async leave(): Promise<void> {
    if (this.done) return;
    let call: CallView | null = null;
    try {
      await this.media.close();
      call = (await this.options.api.calls.leave(this.call.id)).call;
    } catch {
      // Already over (ended, swept): nothing to leave.
    }
    await this.finish(call);
  }

  /* ---------- signaling ---------- */

  private handle(frame: SignalingServerFrame): Promise<void> | undefined {
    switch (frame.type) {
      case "call_state":
        this.call = frame.call;
        this.emit("call", frame.call);
        if (frame.status === "ended") return this.finish(frame.call);
        return;
      case "participant_joined":
        this.enter(frame.user_id);
        return;
      case "participant_left":
        this.media.participantLeft(frame.user_id);
        if (this.roster.delete(frame.user_id)) this.changed();
        return;
      case "tracks":
        this.enter(frame.user_id);
        this.media.tracksPublished(frame);
        return;
      case "tracks_closed":
        this.media.tracksClosed(frame);
        return;
      case "mute":
        this.withParticipant(frame.user_id, (p) => {
          p.audioMuted = frame.audio_muted;
          p.videoMuted = frame.video_muted;
        });
        return;
      case "error":
        this.emit("error", { code: frame.code, message: frame.message });
        return;
      case "offer": // peer-to-peer frames: a group call has none
      case "answer":
      case "ice_candidate":
      case "answered_elsewhere":
      case "pong":
        return;
      default:
        return assertNever(frame);
    }
  }

  private sendMute(): void {
    if (!this.muteSaid && !this.muted.audio && !this.muted.video) return;
    this.muteSaid = true;
    this.socket.send(JSON.stringify({ type: "mute", audio_muted: this.muted.audio, video_muted: this.muted.video }));
  }

  private enter(userId: string): void {
    if (userId === this.options.selfId || this.roster.has(userId)) return;
    const stream = this.options.createMediaStream?.() ?? new MediaStream();
    this.roster.set(userId, { userId, stream, audioMuted: false, videoMuted: false });
    this.changed();
  }

  private withParticipant(userId: string, change: (p: GroupParticipant) => void, enter = true): void {
    if (enter) this.enter(userId);
    const p = this.roster.get(userId);
    if (!p) return;
    change(p);
    this.changed();
  }

  private changed(): void {
    this.emit("participants", this.participants());
  }

  private async finish(call: CallView | null): Promise<void> {
    if (this.done) return;
    this.done = true;
    this.socket.stop();
    await this.media.close().catch(() => undefined);
    if (call) this.call = call;
    this.emit("ended", call);
  }
}
