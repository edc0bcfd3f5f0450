import type { MediaKind } from "./session";

/** Packet and key-frame counts since start. Tracks and sessions are counted live from the state instead. */
export class SfuCounters {
  readonly packetsReceived: Record<MediaKind, number> = { audio: 0, video: 0 };
  readonly packetsForwarded: Record<MediaKind, number> = { audio: 0, video: 0 };
  /** Picture loss indications the SFU sent to publishers (key-frame requests). */
  plisSent = 0;
  /** Picture loss indications subscribers sent the SFU. */
  plisReceived = 0;
  /** Key frames that reached a subscriber which was waiting for one (a new pull, or one that asked). */
  keyFramesDelivered = 0;

  received(kind: MediaKind): void {
    this.packetsReceived[kind] += 1;
  }

  forwarded(kind: MediaKind): void {
    this.packetsForwarded[kind] += 1;
  }
}
