import {
  PictureLossIndication,
  RtcpPayloadSpecificFeedback,
  RtpHeader,
  RtpPacket,
  type RtcpPacket,
  type RTCPeerConnection,
  type RTCRtpSender,
  type RTCRtpTransceiver,
  type RTCTrackEvent,
} from "werift";
import type { SfuCounters } from "./counters";
import { startsVp8KeyFrame } from "./vp8";

export type MediaKind = "audio" | "video";

/** A track this session sends to the SFU (Cloudflare's `location: "local"`). */
export interface PublishedTrack {
  trackName: string;
  mid: string;
  kind: MediaKind;
  transceiver: RTCRtpTransceiver;
  subscribers: Set<PulledTrack>;
  lastPliAt: number;
  pliPending: boolean;
}

/** A track this session receives from another session's publication (`location: "remote"`). */
export interface PulledTrack {
  trackName: string;
  mid: string;
  kind: MediaKind;
  publisherSessionId: string;
  transceiver: RTCRtpTransceiver;
  sender: RTCRtpSender;
  /** null once the publisher closed the track or left: the subscriber's m-section stays until it closes it. */
  source: PublishedTrack | null;
  /**
   * Video only: the subscriber has no key frame to decode from yet (it just started pulling, or it
   * sent a PLI). Until one is forwarded to it over a connected transport, the publisher is asked again.
   */
  awaitingKeyFrame: boolean;
}

/**
 * At most one picture loss request per publication in this window: a burst of subscribers asks once.
 * Longer than the 300 ms within which Chromium's encoder ignores a second request (a trailing request
 * sent exactly 300 ms later could arrive a little early and be dropped).
 */
export const PLI_INTERVAL_MS = 500;

export function isMediaKind(kind: string): kind is MediaKind {
  return kind === "audio" || kind === "video";
}

/**
 * One SFU session: one peer connection with its published and pulled tracks, keyed by mid.
 * Mutations run one after another (`serially`): werift, like a browser, cannot apply two
 * descriptions at once, and Cloudflare's API asks clients to serialize per session anyway.
 */
export class SfuSession {
  readonly published = new Map<string, PublishedTrack>();
  readonly pulled = new Map<string, PulledTrack>();
  /** Mids the other side rejected (port 0): they stay rejected in every later description. */
  readonly rejected = new Set<string>();
  connected = false;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly hooked = new WeakSet<RTCRtpTransceiver>();
  private readonly watched = new WeakSet<RTCRtpTransceiver>();

  constructor(
    readonly id: string,
    readonly pc: RTCPeerConnection,
    readonly counters: SfuCounters,
  ) {
    pc.ontrack = (event: RTCTrackEvent) => this.hook(event);
  }

  serially<T>(operation: () => Promise<T>): Promise<T> {
    const run = this.queue.then(operation, operation);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * A subscriber's picture loss requests, whichever werift object hears them. werift routes a PLI by
   * the feedback's *sender* SSRC first, which is one of the browser's own outgoing streams on this
   * BUNDLE when it also publishes, so the PLI lands on that stream's receiver instead of our sender.
   * Every transceiver of the session is watched, and a PLI goes by its media SSRC to the pulled
   * track that sends it.
   */
  watchRtcp(transceiver: RTCRtpTransceiver): void {
    if (this.watched.has(transceiver)) return;
    this.watched.add(transceiver);
    const onRtcp = (packet: RtcpPacket) => {
      // By type and count, not instanceof: the packet may come from another copy of werift's rtp module.
      if (packet.type !== RtcpPayloadSpecificFeedback.type || packet.feedback.count !== PictureLossIndication.count || !("mediaSsrc" in packet.feedback))
        return;
      const ssrc = packet.feedback.mediaSsrc;
      for (const pulled of this.pulled.values()) {
        if (pulled.sender.ssrc !== ssrc || !pulled.source) continue;
        this.counters.plisReceived += 1;
        pulled.awaitingKeyFrame = pulled.kind === "video";
        requestKeyFrame(pulled.source, this.counters);
      }
    };
    transceiver.receiver.onRtcp.subscribe(onRtcp);
    transceiver.sender.onRtcp.subscribe(onRtcp);
  }

  /** A transceiver's media is forwarded by its mid at the time each packet arrives, so a renegotiation that moves a mid moves the forwarding with it. */
  private hook(event: RTCTrackEvent): void {
    this.watchRtcp(event.transceiver);
    if (this.hooked.has(event.transceiver)) return;
    this.hooked.add(event.transceiver);
    const transceiver = event.transceiver;
    event.track.onReceiveRtp.subscribe((rtp) => {
      const publication = transceiver.mid === null ? undefined : this.published.get(transceiver.mid);
      if (!publication) return;
      this.counters.received(publication.kind);
      const keyFrame = publication.kind === "video" && startsVp8KeyFrame(rtp.payload);
      let waiting = false;
      for (const subscriber of publication.subscribers) {
        // Checked before forwarding: a packet sent while the transport is not up yet is dropped by werift.
        const reaches = subscriber.awaitingKeyFrame && canSend(subscriber.sender);
        forward(rtp, subscriber.sender);
        this.counters.forwarded(subscriber.kind);
        if (!reaches) continue;
        if (keyFrame) {
          subscriber.awaitingKeyFrame = false;
          this.counters.keyFramesDelivered += 1;
        } else waiting = true;
      }
      // Delta frames to a subscriber that cannot decode them: ask again (throttled) until a key frame gets through.
      if (waiting) requestKeyFrame(publication, this.counters);
    });
  }

  /**
   * werift's addTransceiver (which it also calls for every new m-section of a remote offer) takes
   * over the slot of an inactive transceiver that never sent, mid and m-line index included; a
   * closed publication's slot is such a transceiver. Marking closed slots as used keeps every
   * m-section where the other side has it.
   */
  pinInactiveTransceivers(): void {
    for (const transceiver of this.pc.getTransceivers()) {
      if (transceiver.currentDirection === "inactive" || transceiver.direction === "inactive") transceiver.usedForSender = true;
    }
  }

  close(): void {
    this.published.clear();
    this.pulled.clear();
    this.pc.close().catch(() => undefined);
  }
}

/** Whether werift's sender would put a packet on the wire now (negotiated, transport connected). */
function canSend(sender: RTCRtpSender): boolean {
  return sender.codec !== undefined && sender.transport?.state === "connected";
}

/**
 * Asks the publisher for a key frame (a new subscriber, a subscriber whose transport just came up,
 * one that lost a frame), so its video starts at once. Requests within PLI_INTERVAL_MS of the last
 * one become one trailing request, never none: the request that matters may be the later one.
 * A subscriber still waiting for its key frame makes the forwarding loop ask again (see hook).
 */
export function requestKeyFrame(publication: PublishedTrack, counters: SfuCounters, now = Date.now()): void {
  if (publication.kind !== "video" || publication.pliPending) return;
  const wait = publication.lastPliAt + PLI_INTERVAL_MS - now;
  if (wait > 0) {
    publication.pliPending = true;
    setTimeout(() => {
      publication.pliPending = false;
      requestKeyFrame(publication, counters);
    }, wait).unref();
    return;
  }
  const ssrc = publication.transceiver.receiver.track.ssrc;
  if (ssrc === undefined) return; // nothing received yet: the first packets carry a key frame anyway
  publication.lastPliAt = now;
  counters.plisSent += 1;
  publication.transceiver.receiver.sendRtcpPLI(ssrc).catch(() => undefined);
}

/**
 * A fresh packet per subscriber: werift's sender rewrites the header it is given (ssrc, payload
 * type, sequence offset) and appends its own extensions to the ones present, so a shared packet or
 * the publisher's extensions (whose ids can collide with the subscriber's mid extension) would
 * corrupt what the next subscriber gets.
 */
function forward(rtp: RtpPacket, sender: RTCRtpSender): void {
  const { header } = rtp;
  const fresh = new RtpHeader({
    marker: header.marker,
    payloadType: header.payloadType,
    sequenceNumber: header.sequenceNumber,
    timestamp: header.timestamp,
    ssrc: header.ssrc,
    csrc: [...header.csrc],
    csrcLength: header.csrcLength,
    extensions: [],
  });
  sender.sendRtp(new RtpPacket(fresh, rtp.payload)).catch(() => undefined);
}
