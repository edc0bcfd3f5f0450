import type { MediaKind } from "./session";

/** Packet counts since start, by kind. Tracks and sessions are counted live from the state instead. */
export class SfuCounters {
  readonly packetsReceived: Record<MediaKind, number> = { audio: 0, video: 0 };
  readonly packetsForwarded: Record<MediaKind, number> = { audio: 0, video: 0 };

  received(kind: MediaKind): void {
    this.packetsReceived[kind] += 1;
  }

  forwarded(kind: MediaKind): void {
    this.packetsForwarded[kind] += 1;
  }
}
