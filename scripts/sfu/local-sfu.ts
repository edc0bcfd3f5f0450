import { randomBytes } from "node:crypto";
import type { SfuCloseTracksBody, SfuNewSessionBody, SfuNewTracksBody, SfuRenegotiateBody } from "../../lib/contracts/calls";
import { SfuCounters } from "./counters";
import { answerOffer, applyAnswer } from "./negotiate";
import { newPeerConnection } from "./peer";
import { closeTracks } from "./close-tracks";
import { pullTracks, publishTracks } from "./tracks";
import { SfuSession, requestKeyFrame } from "./session";
import { failure, type DropSessionBody, type Reply, type SessionState, type SfuStats } from "./shapes";

export interface LocalSfuOptions {
  /** Extra host candidates (werift leaves loopback out by default; a browser on this machine needs it). */
  hostAddresses: string[];
  /** A session that never connects, or stays disconnected this long, is dropped (Cloudflare: ~30 s). */
  idleSessionMs?: number;
  maxSessions?: number;
}

const NOT_FOUND = failure(404, "session_not_found", "Session not found");

/**
 * The SFU's state and its Cloudflare-shaped operations. Each operation on a session runs after the
 * previous one on that session finished; answers follow Cloudflare's shapes (see shapes.ts).
 */
export class LocalSfu {
  readonly sessions = new Map<string, SfuSession>();
  readonly counters = new SfuCounters();
  private readonly idleMs: number;
  private readonly maxSessions: number;

  constructor(private readonly options: LocalSfuOptions) {
    this.idleMs = options.idleSessionMs ?? 30_000;
    this.maxSessions = options.maxSessions ?? 500;
  }

  async newSession(body: SfuNewSessionBody): Promise<Reply> {
    if (this.sessions.size >= this.maxSessions) return failure(503, "too_many_sessions", `The local SFU holds ${this.maxSessions} sessions at most`);
    const session = new SfuSession(randomBytes(16).toString("hex"), newPeerConnection(this.options.hostAddresses), this.counters);
    this.sessions.set(session.id, session);
    this.watch(session);
    const offer = body.sessionDescription;
    if (!offer) return { status: 201, body: { sessionId: session.id } };
    const answered = await session.serially(() => answerOffer(session, offer));
    if (!answered.ok) {
      this.drop(session.id);
      return answered.reply;
    }
    return { status: 201, body: { sessionId: session.id, sessionDescription: answered.description } };
  }

  async newTracks(sessionId: string, body: SfuNewTracksBody): Promise<Reply> {
    const session = this.sessions.get(sessionId);
    if (!session) return NOT_FOUND;
    const locations = new Set(body.tracks.map((t) => t.location));
    if (locations.size > 1) return failure(400, "invalid_request", "The local SFU takes local and remote tracks in separate requests");
    if (locations.has("local")) return session.serially(() => publishTracks(session, body));
    return session.serially(() => pullTracks(session, body, (id) => this.sessions.get(id)));
  }

  async renegotiate(sessionId: string, body: SfuRenegotiateBody): Promise<Reply> {
    const session = this.sessions.get(sessionId);
    if (!session) return NOT_FOUND;
    return session.serially(async () => {
      const description = body.sessionDescription;
      const done = description.type === "offer" ? await answerOffer(session, description) : await applyAnswer(session, description);
      if (!done.ok) return done.reply;
      for (const pulled of session.pulled.values()) if (pulled.source) requestKeyFrame(pulled.source, this.counters);
      return { status: 200, body: description.type === "offer" ? { sessionDescription: done.description } : {} };
    });
  }

  async closeTracks(sessionId: string, body: SfuCloseTracksBody): Promise<Reply> {
    const session = this.sessions.get(sessionId);
    if (!session) return NOT_FOUND;
    return session.serially(() => closeTracks(session, body));
  }

  sessionState(sessionId: string): Reply {
    const session = this.sessions.get(sessionId);
    if (!session) return NOT_FOUND;
    const tracks: SessionState["tracks"] = [
      ...[...session.published.values()].map((t) => ({ location: "local" as const, mid: t.mid, trackName: t.trackName, status: "active" as const })),
      ...[...session.pulled.values()].map((t) => ({
        location: "remote" as const,
        mid: t.mid,
        trackName: t.trackName,
        sessionId: t.publisherSessionId,
        status: t.source ? ("active" as const) : ("inactive" as const),
      })),
    ];
    return { status: 200, body: { tracks } };
  }

  stats(): SfuStats {
    const all = [...this.sessions.values()];
    const published = all.flatMap((s) => [...s.published.values()]);
    const forwarded = all.flatMap((s) => [...s.pulled.values()]).filter((t) => t.source !== null);
    const byKind = (tracks: { kind: "audio" | "video" }[]) => ({
      audio: tracks.filter((t) => t.kind === "audio").length,
      video: tracks.filter((t) => t.kind === "video").length,
    });
    return {
      sessions: all.length,
      connected_sessions: all.filter((s) => s.connected).length,
      publishers: all.filter((s) => s.published.size > 0).length,
      published_tracks: byKind(published),
      forwarded_tracks: byKind(forwarded),
      packets_received: { ...this.counters.packetsReceived },
      packets_forwarded: { ...this.counters.packetsForwarded },
      plis_sent: this.counters.plisSent,
      plis_received: this.counters.plisReceived,
      key_frames_delivered: this.counters.keyFramesDelivered,
    };
  }

  /** POST /test/drop-session: the session by id, or the one with an ICE candidate on that port, is dropped as if lost. */
  dropSession(body: DropSessionBody): Reply {
    const match = (session: SfuSession) =>
      "session_id" in body
        ? session.id === body.session_id
        : session.pc.iceTransports.some((t) => t.connection.localCandidates.some((c) => c.port === body.port));
    const session = [...this.sessions.values()].find(match);
    if (!session) return NOT_FOUND;
    this.drop(session.id);
    return { status: 200, body: { dropped: session.id } };
  }

  close(): void {
    for (const id of [...this.sessions.keys()]) this.drop(id);
  }

  /** Connected → kept; failed or closed → dropped; never connected or disconnected for idleMs → dropped. */
  private watch(session: SfuSession): void {
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => this.drop(session.id), this.idleMs);
      timer.unref();
    };
    arm();
    session.pc.connectionStateChange.subscribe((state) => {
      session.connected = state === "connected";
      if (state === "connected") {
        clearTimeout(timer);
        for (const pulled of session.pulled.values()) if (pulled.source) requestKeyFrame(pulled.source, this.counters);
      } else if (state === "failed" || state === "closed") {
        clearTimeout(timer);
        this.drop(session.id);
      } else if (state === "disconnected") arm();
    });
  }

  /** A dropped session's publications end for their subscribers; its pulls leave their publications. */
  private drop(sessionId: string): void {
    const session = this.sessions.get(sessionId);
    if (!session) return;
    this.sessions.delete(sessionId);
    for (const publication of session.published.values()) {
      for (const subscriber of publication.subscribers) subscriber.source = null;
    }
    for (const pulled of session.pulled.values()) pulled.source?.subscribers.delete(pulled);
    session.close();
  }
}
