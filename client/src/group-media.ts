import type { SignalingServerFrame } from "./types";

type Frame<K extends SignalingServerFrame["type"]> = Extract<SignalingServerFrame, { type: K }>;
export type TracksFrame = Frame<"tracks">;
export type TracksClosedFrame = Frame<"tracks_closed">;

/** What a group call's media layer tells the call: remote tracks by the user they belong to, and its connection. */
export interface GroupMediaSink {
  addTrack(userId: string, track: MediaStreamTrack): void;
  removeTrack(userId: string, track: MediaStreamTrack): void;
  connection(state: GroupConnectionState): void;
  error(code: string, message: string): void;
}

/** `reconnecting`: the media connection failed and a new one is being set up. */
export type GroupConnectionState = RTCPeerConnectionState | "reconnecting";

/** Per remote participant, from the media connection's stats. */
export interface ParticipantMediaStats {
  framesDecoded: number;
  audioPacketsReceived: number;
  /** 0..1, the loudest of the participant's audio tracks lately (who is speaking). */
  audioLevel: number;
}

/**
 * A group call's media, whoever carries it (our SFU proxy or RealtimeKit), behind one interface:
 * GroupCall owns the call (signaling socket, roster, mute frames, leave) and drives this.
 */
export interface GroupMedia {
  /** Publishes the local tracks. */
  start(): Promise<void>;
  /** Discovery frames from the signaling socket (RealtimeKit finds tracks on its own and ignores them). */
  tracksPublished(frame: TracksFrame): void;
  tracksClosed(frame: TracksClosedFrame): void;
  participantLeft(userId: string): void;
  /** Pauses or resumes the local track of a kind (others also get the mute frame from GroupCall). */
  setMuted(kind: "audio" | "video", muted: boolean): Promise<void>;
  stats(): Promise<Map<string, ParticipantMediaStats>>;
  /** Closes the local tracks at the provider and releases the connection. */
  close(): Promise<void>;
}
