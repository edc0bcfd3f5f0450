import type { GroupMedia, GroupMediaSink, ParticipantMediaStats, TracksClosedFrame, TracksFrame } from "./group-media";
import type { RestApi } from "./rest";
import type { SfuAnswer } from "./types";

export interface SfuMediaOptions {
  api: RestApi;
  callId: string;
  localStream: MediaStream;
  createPeerConnection: (config: RTCConfiguration) => RTCPeerConnection;
  iceServers: RTCIceServer[];
  sink: GroupMediaSink;
}

/** A remote track we pull: whose, from which of their sessions, under which name; `mid` once the SFU gave one. */
interface Pull {
  userId: string;
  sessionId: string;
  trackName: string;
  mid: string | null;
  track: MediaStreamTrack | null;
}

/** Discovery as last told: each remote user's publishing session and track names. */
interface Published {
  sessionId: string;
  trackNames: string[];
}

/**
 * Group media through our SFU proxy (Cloudflare Realtime's API): one RTCPeerConnection to one SFU
 * session. Our camera and microphone go up as `local` tracks; every track another participant
 * publishes is pulled as a `remote` track (the SFU then offers, we answer). Every negotiation runs
 * one at a time on `queue`: discovery frames can arrive in any order and at any moment. A failed
 * connection is replaced by a new session: publish again, pull everything again (the room tells
 * the others our new session, and closing the old one's tracks tells them to drop those).
 */
export class SfuMedia implements GroupMedia {
  private pc: RTCPeerConnection;
  private sessionId: string | null = null;
  /** Our published tracks by mid. */
  private readonly local = new Map<string, MediaStreamTrack>();
  private readonly pulls: Pull[] = [];
  private readonly published = new Map<string, Published>();
  private queue: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly options: SfuMediaOptions) {
    this.pc = this.newConnection();
  }

  start(): Promise<void> {
    return this.serial(() => this.publish());
  }

  tracksPublished(frame: TracksFrame): void {
    const known = this.published.get(frame.user_id);
    // A new session of the same user (they reconnected): what we pulled from the old one is gone. Its
    // tracks leave their stream now, and the pulls close at the SFU so their m-sections go inactive
    // instead of piling up on our connection with every reconnect.
    if (known && known.sessionId !== frame.session_id) {
      const stale = this.pulls.filter((p) => p.userId === frame.user_id && p.sessionId === known.sessionId);
      this.dropPulls((p) => stale.includes(p));
      void this.serial(() => this.closePulls(stale));
    }
    const names = known?.sessionId === frame.session_id ? known.trackNames : [];
    const trackNames = [...new Set([...names, ...frame.tracks.map((t) => t.track_name)])];
    this.published.set(frame.user_id, { sessionId: frame.session_id, trackNames });
    void this.serial(() => this.pull(frame.user_id, frame.session_id, trackNames));
  }

  tracksClosed(frame: TracksClosedFrame): void {
    const known = this.published.get(frame.user_id);
    if (known?.sessionId === frame.session_id) known.trackNames = known.trackNames.filter((n) => !frame.track_names.includes(n));
    const gone = (p: Pull) => p.userId === frame.user_id && p.sessionId === frame.session_id && frame.track_names.includes(p.trackName);
    void this.serial(() => this.closePulls(this.pulls.filter(gone)));
  }

  participantLeft(userId: string): void {
    this.published.delete(userId);
    void this.serial(() => this.closePulls(this.pulls.filter((p) => p.userId === userId)));
  }

  async setMuted(kind: "audio" | "video", muted: boolean): Promise<void> {
    // Paused, not closed: the track stays published and others keep their transceiver; it sends silence/black.
    for (const track of this.options.localStream.getTracks()) if (track.kind === kind) track.enabled = !muted;
    return Promise.resolve();
  }

  async stats(): Promise<Map<string, ParticipantMediaStats>> {
    const byUser = new Map<string, ParticipantMediaStats>();
    const report = await this.pc.getStats();
    report.forEach((s: { type?: string; kind?: string; mid?: string; framesDecoded?: number; packetsReceived?: number; audioLevel?: number }) => {
      if (s.type !== "inbound-rtp" || s.mid === undefined) return;
      const pull = this.pulls.find((p) => p.mid === s.mid);
      if (!pull) return;
      const entry = byUser.get(pull.userId) ?? { framesDecoded: 0, audioPacketsReceived: 0, audioLevel: 0 };
      if (s.kind === "video") entry.framesDecoded += s.framesDecoded ?? 0;
      if (s.kind === "audio") {
        entry.audioPacketsReceived += s.packetsReceived ?? 0;
        entry.audioLevel = Math.max(entry.audioLevel, s.audioLevel ?? 0);
      }
      byUser.set(pull.userId, entry);
    });
    return byUser;
  }

  /** The connection in use (its stats, e.g. the selected candidate pair). */
  get peerConnection(): RTCPeerConnection {
    return this.pc;
  }

  close(): Promise<void> {
    return this.serial(async () => {
      if (this.closed) return;
      this.closed = true;
      const mids = [...this.local.keys()];
      if (this.sessionId && mids.length > 0) {
        await this.options.api.calls.sfu
          .closeTracks(this.options.callId, this.sessionId, { tracks: mids.map((mid) => ({ mid })), force: true })
          .catch(() => undefined); // leaving closes them at the room anyway
      }
      this.pc.close();
    });
  }

  /* ---------- negotiations (each runs alone, on the queue) ---------- */

  private async publish(): Promise<void> {
    const { api, callId, localStream } = this.options;
    const session = await api.calls.sfu.newSession(callId, {});
    if (!session.sessionId) throw new Error("The SFU answered no session id.");
    this.sessionId = session.sessionId;
    const transceivers = localStream
      .getTracks()
      .map((track) => ({ track, t: this.pc.addTransceiver(track, { direction: "sendonly", streams: [localStream] }) }));
    const offer = await this.pc.createOffer();
    await this.pc.setLocalDescription(offer);
    this.local.clear();
    const tracks = transceivers.flatMap(({ track, t }) => {
      if (!t.mid) return [];
      this.local.set(t.mid, track);
      return [
        { location: "local" as const, mid: t.mid, trackName: `${track.kind}-${t.mid}`, kind: track.kind === "audio" ? ("audio" as const) : ("video" as const) },
      ];
    });
    if (tracks.length === 0) return;
    const answer = await api.calls.sfu.newTracks(callId, session.sessionId, { sessionDescription: { type: "offer", sdp: offer.sdp ?? "" }, tracks });
    const sdp = answer.sessionDescription;
    if (sdp?.type === "answer") await this.pc.setRemoteDescription({ type: "answer", sdp: sdp.sdp });
    this.reportTrackErrors(answer);
  }

  private async pull(userId: string, sessionId: string, trackNames: string[]): Promise<void> {
    if (this.closed || !this.sessionId) return;
    const wanted = trackNames.filter((name) => !this.pulls.some((p) => p.userId === userId && p.sessionId === sessionId && p.trackName === name));
    if (wanted.length === 0 || this.published.get(userId)?.sessionId !== sessionId) return;
    const { api, callId } = this.options;
    const answer = await api.calls.sfu.newTracks(callId, this.sessionId, {
      tracks: wanted.map((trackName) => ({ location: "remote" as const, sessionId, trackName })),
    });
    for (const t of answer.tracks ?? []) {
      if (!t.mid || t.errorCode || !t.trackName) continue;
      this.pulls.push({ userId, sessionId, trackName: t.trackName, mid: t.mid, track: null });
    }
    this.reportTrackErrors(answer);
    const sdp = answer.sessionDescription;
    if (answer.requiresImmediateRenegotiation && sdp?.type === "offer") {
      await this.pc.setRemoteDescription({ type: "offer", sdp: sdp.sdp });
      const local = await this.pc.createAnswer();
      await this.pc.setLocalDescription(local);
      await api.calls.sfu.renegotiate(callId, this.sessionId, { sessionDescription: { type: "answer", sdp: local.sdp ?? "" } });
    }
  }

  private async closePulls(pulls: Pull[]): Promise<void> {
    const mids = pulls.flatMap((p) => (p.mid ? [p.mid] : []));
    this.dropPulls((p) => pulls.includes(p));
    if (this.closed || !this.sessionId || mids.length === 0) return;
    for (const transceiver of this.pc.getTransceivers()) if (transceiver.mid && mids.includes(transceiver.mid)) transceiver.direction = "inactive";
    // force: the SFU stops sending now; the m-sections go inactive at the next negotiation it offers.
    // A refusal means the pulled tracks are gone already (their publisher's session closed first).
    await this.options.api.calls.sfu
      .closeTracks(this.options.callId, this.sessionId, { tracks: mids.map((mid) => ({ mid })), force: true })
      .catch(() => undefined);
  }

  /** Forgets pulls (their tracks leave the participant's stream at once). */
  private dropPulls(match: (p: Pull) => boolean): void {
    for (let i = this.pulls.length - 1; i >= 0; i--) {
      const pull = this.pulls[i];
      if (!pull || !match(pull)) continue;
      this.pulls.splice(i, 1);
      if (pull.track) this.options.sink.removeTrack(pull.userId, pull.track);
    }
  }

  /** A new connection and session after a failure: publish again, then pull all that is published. */
  private async reconnect(): Promise<void> {
    if (this.closed) return;
    this.options.sink.connection("reconnecting");
    const old = { sessionId: this.sessionId, mids: [...this.local.keys()] };
    this.pc.onconnectionstatechange = null;
    this.pc.close();
    this.dropPulls(() => true);
    this.pc = this.newConnection();
    await this.publish();
    if (old.sessionId && old.mids.length > 0) {
      await this.options.api.calls.sfu
        .closeTracks(this.options.callId, old.sessionId, { tracks: old.mids.map((mid) => ({ mid })), force: true })
        .catch(() => undefined); // the old session may be gone at the SFU: the room forgets it when we leave
    }
    // One by one, and one failure (a session that went away meanwhile) does not cost the others.
    for (const [userId, { sessionId, trackNames }] of this.published) {
      await this.pull(userId, sessionId, trackNames).catch((err: unknown) => this.options.sink.error("SFU", err instanceof Error ? err.message : String(err)));
    }
  }

  private newConnection(): RTCPeerConnection {
    const pc = this.options.createPeerConnection({ iceServers: this.options.iceServers, bundlePolicy: "max-bundle" });
    pc.ontrack = (event) => {
      const mid = event.transceiver.mid;
      const pull = this.pulls.find((p) => p.mid === mid);
      if (!pull) return;
      pull.track = event.track;
      this.options.sink.addTrack(pull.userId, event.track);
    };
    pc.onconnectionstatechange = () => {
      this.options.sink.connection(pc.connectionState);
      if (pc.connectionState === "failed") void this.serial(() => this.reconnect());
    };
    return pc;
  }

  private reportTrackErrors(answer: SfuAnswer): void {
    for (const t of answer.tracks ?? []) if (t.errorCode) this.options.sink.error("SFU_TRACK", `${t.trackName ?? t.mid ?? "track"}: ${t.errorCode}`);
  }

  /** Runs `body` after every earlier negotiation; a failure is an error event, and the queue goes on. */
  private serial(body: () => Promise<void>): Promise<void> {
    const run = this.queue.then(body).catch((err: unknown) => this.options.sink.error("SFU", err instanceof Error ? err.message : String(err)));
    this.queue = run;
    return run;
  }
}
