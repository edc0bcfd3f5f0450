import type { GroupMedia, GroupMediaSink, ParticipantMediaStats } from "./group-media";

/** The part of a RealtimeKit participant we read (`customParticipantId` is our user id: the calls worker sets it). */
export interface KitParticipant {
  id: string;
  customParticipantId?: string;
  audioTrack?: MediaStreamTrack | null;
  videoTrack?: MediaStreamTrack | null;
}

/** The part of `@cloudflare/realtimekit`'s client we use; the package's own `Client` fits it (tsc checks the default loader). */
export interface KitClient {
  join(): Promise<void>;
  leave(): Promise<void>;
  self: {
    enableAudio(track?: MediaStreamTrack): Promise<void>;
    disableAudio(): Promise<void> | void;
    enableVideo(track?: MediaStreamTrack): Promise<unknown>;
    disableVideo(): Promise<void> | void;
  };
  participants: {
    joined: {
      on(event: "participantJoined" | "participantLeft", handler: (p: KitParticipant) => void): unknown;
      on(event: "audioUpdate" | "videoUpdate", handler: (p: KitParticipant) => void): unknown;
    };
  };
}

export type KitInit = (options: { authToken: string; defaults: { audio: boolean; video: boolean } }) => Promise<KitClient>;

/** The real package, loaded only when a deployment runs group calls on RealtimeKit (it is large). */
export const loadRealtimeKit: () => Promise<KitInit> = async () => {
  const kit = await import("@cloudflare/realtimekit");
  return (options) => kit.default.init(options);
};

/**
 * Group media on RealtimeKit: the participant token from `/join` opens the meeting; RealtimeKit
 * finds and subscribes to tracks itself, so our discovery frames are not needed. Mute goes through
 * the kit (its tracks are paused for everyone), and GroupCall still sends our mute frame.
 */
export class RealtimeKitMedia implements GroupMedia {
  private client: KitClient | null = null;
  private readonly tracks = new Map<string, { userId: string; audio: MediaStreamTrack | null; video: MediaStreamTrack | null }>();

  constructor(private readonly options: { authToken: string; localStream: MediaStream; init: () => Promise<KitInit>; sink: GroupMediaSink }) {}

  async start(): Promise<void> {
    const init = await this.options.init();
    this.options.sink.connection("connecting");
    const client = await init({ authToken: this.options.authToken, defaults: { audio: false, video: false } });
    this.client = client;
    const update = (p: KitParticipant) => this.update(p);
    client.participants.joined.on("participantJoined", update);
    client.participants.joined.on("audioUpdate", update);
    client.participants.joined.on("videoUpdate", update);
    client.participants.joined.on("participantLeft", (p) =>
      this.update({ id: p.id, customParticipantId: p.customParticipantId, audioTrack: null, videoTrack: null }),
    );
    await client.join();
    const [audio] = this.options.localStream.getAudioTracks();
    const [video] = this.options.localStream.getVideoTracks();
    if (audio) await client.self.enableAudio(audio);
    if (video) await client.self.enableVideo(video);
    this.options.sink.connection("connected");
  }

  tracksPublished(): void {
    // RealtimeKit subscribes on its own.
  }

  tracksClosed(): void {
    // As above.
  }

  participantLeft(): void {
    // The kit's participantLeft removes the tracks.
  }

  async setMuted(kind: "audio" | "video", muted: boolean): Promise<void> {
    const self = this.client?.self;
    if (!self) return;
    const [audio] = this.options.localStream.getAudioTracks();
    const [video] = this.options.localStream.getVideoTracks();
    if (kind === "audio") await (muted ? self.disableAudio() : self.enableAudio(audio));
    else await (muted ? self.disableVideo() : self.enableVideo(video));
  }

  /** The kit keeps its connections to itself: no per-participant stats. */
  stats(): Promise<Map<string, ParticipantMediaStats>> {
    return Promise.resolve(new Map<string, ParticipantMediaStats>());
  }

  async close(): Promise<void> {
    await this.client?.leave();
    this.client = null;
  }

  /** Tracks of a participant as the kit reports them now; changes become sink calls. */
  private update(p: KitParticipant): void {
    const userId = p.customParticipantId;
    if (!userId) return;
    const before = this.tracks.get(p.id) ?? { userId, audio: null, video: null };
    const after = { userId, audio: p.audioTrack ?? null, video: p.videoTrack ?? null };
    for (const kind of ["audio", "video"] as const) {
      const old = before[kind];
      const now = after[kind];
      if (old === now) continue;
      if (old) this.options.sink.removeTrack(userId, old);
      if (now) this.options.sink.addTrack(userId, now);
    }
    this.tracks.set(p.id, after);
  }
}
