import { assertNever } from "../../lib/assert-never";
import { Emitter } from "./emitter";
import type { ManagedSocket, SocketState, WebSocketConstructor } from "./managed-socket";
import type { RestApi } from "./rest";
import { signalingSocket } from "./signaling-socket";
import type { CallJoinResponse, IceServer, SignalingClientFrame, SignalingServerFrame } from "./types";

type CallView = CallJoinResponse["call"];
type IcePayload = Extract<SignalingClientFrame, { type: "ice_candidate" }>["payload"];
type ServerFrame<K extends SignalingServerFrame["type"]> = Extract<SignalingServerFrame, { type: K }>;

export interface CallEvents {
  /** The peer connection's state: `connected` means media flows. */
  connection: RTCPeerConnectionState;
  /** The remote side's media. */
  remoteStream: MediaStream;
  call: CallView;
  signaling: SocketState;
  ended: CallView | null;
  error: { code: string; message: string };
}

export interface CallSessionOptions {
  api: RestApi;
  selfId: string;
  /** RTCPeerConnection is injected: the browser's, react-native-webrtc's, or a test double. */
  createPeerConnection: (config: RTCConfiguration) => RTCPeerConnection;
  localStream: MediaStream;
  socketUrl: (query: Record<string, string>) => Promise<string>;
  WebSocket: WebSocketConstructor;
  /** Overrides the ICE servers the API handed out (e.g. [] on a loopback-only test machine). */
  iceServers?: IceServer[];
  isFatal: (error: unknown) => boolean;
}

const OFFER_RETRY_MS = 1_000;
const OFFER_ATTEMPTS = 30;

/**
 * A 1:1 call: the call's signaling socket plus one RTCPeerConnection. The side that answers the call
 * makes the WebRTC offer (by then the caller is surely connected; if not, the offer is retried until
 * an answer comes). ICE candidates are queued in both directions until the descriptions allow them.
 */
export class CallSession extends Emitter<CallEvents> {
  readonly pc: RTCPeerConnection;
  private readonly socket: ManagedSocket;
  private peerId: string | null;
  private remoteSet = false;
  private peerReachable: boolean;
  private readonly inboundCandidates: RTCIceCandidateInit[] = [];
  private readonly outboundCandidates: IcePayload[] = [];
  private offerTimer: ReturnType<typeof setInterval> | null = null;
  private offerSdp: string | null = null;
  private done = false;
  call: CallView;

  private constructor(
    private readonly options: CallSessionOptions,
    joined: CallJoinResponse,
    private readonly isOfferer: boolean,
  ) {
    super();
    this.call = joined.call;
    this.peerId = joined.call.participants.find((p) => p.user_id !== options.selfId)?.user_id ?? null;
    // The answerer only ever talks after receiving the offer, so the peer is connected by then.
    this.peerReachable = !isOfferer;
    this.pc = options.createPeerConnection({ iceServers: options.iceServers ?? joined.ice_servers });
    for (const track of options.localStream.getTracks()) this.pc.addTrack(track, options.localStream);
    this.pc.onicecandidate = (event) => {
      if (!event.candidate) return;
      const { candidate, sdpMid, sdpMLineIndex, usernameFragment } = event.candidate;
      const init: IcePayload = { candidate, sdpMid, sdpMLineIndex, usernameFragment };
      if (this.peerReachable) this.relay({ type: "ice_candidate", to_user_id: this.peerIdOrThrow(), payload: init });
      else this.outboundCandidates.push(init);
    };
    this.pc.ontrack = (event) => {
      const stream = event.streams[0] ?? new MediaStream([event.track]);
      this.emit("remoteStream", stream);
    };
    this.pc.onconnectionstatechange = () => this.emit("connection", this.pc.connectionState);
    this.socket = signalingSocket({
      callId: joined.call.id,
      socketUrl: options.socketUrl,
      WebSocket: options.WebSocket,
      isFatal: options.isFatal,
      onFrame: (frame) => this.handle(frame),
      onError: (message) => this.emit("error", { code: "SIGNALING", message }),
      onState: (state, finalCode) => {
        this.emit("signaling", state);
        if (state === "closed" && finalCode !== undefined) this.finish(null);
      },
    });
  }

  /** Rings the conversation's members; media starts once the other side accepts. */
  static async start(options: CallSessionOptions, conversationId: string, type: "audio" | "video" = "video"): Promise<CallSession> {
    const started = await options.api.calls.initiate({ conversation_id: conversationId, type });
    return new CallSession(options, started, false);
  }

  /** Answers a ringing call (from a chat `call` frame with event `incoming`) and sends the offer. */
  static async accept(options: CallSessionOptions, callId: string): Promise<CallSession> {
    const joined = await options.api.calls.join(callId);
    const session = new CallSession(options, joined, true);
    await session.offer();
    return session;
  }

  /** Leaves (a 1:1 call then ends for both) and releases the socket and the peer connection. */
  async hangUp(): Promise<void> {
    if (this.done) return;
    try {
      this.finish((await this.options.api.calls.leave(this.call.id)).call);
    } catch {
      this.finish(null);
    }
  }

  private async offer(): Promise<void> {
    const offer = await this.pc.createOffer();
    await this.pc.setLocalDescription(offer);
    this.offerSdp = offer.sdp ?? null;
    let attempts = 0;
    const sendOffer = () => {
      if (this.remoteSet || !this.offerSdp || !this.peerId) return;
      if (attempts++ >= OFFER_ATTEMPTS) return this.stopOfferRetry();
      this.relay({ type: "offer", to_user_id: this.peerId, payload: { type: "offer", sdp: this.offerSdp } });
    };
    sendOffer();
    // Until an answer arrives: the caller's signaling socket may not be open yet.
    this.offerTimer = setInterval(sendOffer, OFFER_RETRY_MS);
  }

  /**
   * Synchronous dispatch, so that assertNever's throw for a type this SDK does not know (a newer
   * server) is caught and ignored by ManagedSocket; each async step's failure is an `error` event.
   */
  private handle(frame: SignalingServerFrame): Promise<void> | undefined {
    switch (frame.type) {
      case "offer":
        return this.onOffer(frame);
      case "answer":
        return this.onAnswer(frame);
      case "ice_candidate":
        return this.onCandidate(frame.payload);
      case "call_state":
        return this.onCallState(frame);
      case "participant_joined":
        if (!this.peerId && frame.user_id !== this.options.selfId) this.peerId = frame.user_id;
        return;
      case "participant_left":
      case "answered_elsewhere":
      case "pong":
      case "tracks": // group-call frames (GroupCall's): a 1:1 call publishes nothing through the SFU
      case "tracks_closed":
      case "mute":
        return;
      case "error":
        this.emit("error", { code: frame.code, message: frame.message });
        return;
      default:
        return assertNever(frame);
    }
  }

  private async onOffer(frame: ServerFrame<"offer">): Promise<void> {
    if (this.isOfferer || this.remoteSet) return;
    this.peerId = frame.from_user_id;
    await this.pc.setRemoteDescription({ type: "offer", sdp: frame.payload.sdp });
    await this.remoteDescriptionSet();
    const answer = await this.pc.createAnswer();
    await this.pc.setLocalDescription(answer);
    this.relay({ type: "answer", to_user_id: frame.from_user_id, payload: { type: "answer", sdp: answer.sdp ?? "" } });
  }

  private async onAnswer(frame: ServerFrame<"answer">): Promise<void> {
    if (!this.isOfferer || this.remoteSet) return;
    this.stopOfferRetry();
    await this.pc.setRemoteDescription({ type: "answer", sdp: frame.payload.sdp });
    await this.remoteDescriptionSet();
    this.peerReachable = true;
    for (const candidate of this.outboundCandidates.splice(0)) this.relay({ type: "ice_candidate", to_user_id: frame.from_user_id, payload: candidate });
  }

  private async onCandidate(candidate: IcePayload): Promise<void> {
    if (this.remoteSet) await this.addCandidate(candidate);
    else this.inboundCandidates.push(candidate);
  }

  // Async although nothing here awaits: a throw (pc.close in finish) stays an `error` event, as before.
  private async onCallState(frame: ServerFrame<"call_state">): Promise<void> {
    this.call = frame.call;
    this.emit("call", frame.call);
    if (frame.status === "ended") this.finish(frame.call);
  }

  private async remoteDescriptionSet(): Promise<void> {
    this.remoteSet = true;
    for (const candidate of this.inboundCandidates.splice(0)) await this.addCandidate(candidate);
  }

  private async addCandidate(candidate: RTCIceCandidateInit): Promise<void> {
    try {
      await this.pc.addIceCandidate(candidate);
    } catch (err) {
      this.emit("error", { code: "ICE_CANDIDATE", message: err instanceof Error ? err.message : "bad candidate" });
    }
  }

  private relay(frame: SignalingClientFrame): void {
    this.socket.send(JSON.stringify(frame));
  }

  private peerIdOrThrow(): string {
    if (!this.peerId) throw new Error("The call has no other participant yet.");
    return this.peerId;
  }

  private stopOfferRetry(): void {
    if (this.offerTimer) clearInterval(this.offerTimer);
    this.offerTimer = null;
  }

  private finish(call: CallView | null): void {
    if (this.done) return;
    this.done = true;
    this.stopOfferRetry();
    this.socket.stop();
    this.pc.close();
    if (call) this.call = call;
    this.emit("ended", call);
  }
}
