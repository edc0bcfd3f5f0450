import { RTP_EXTENSION_URI, RTCRtpHeaderExtensionParameters, type RTCPeerConnection } from "werift";

/** The header extensions the SFU sends, per kind: mid (browsers demultiplex a BUNDLE by it) and, for video, abs-send-time. */
const SENT_EXTENSIONS = {
  audio: [RTP_EXTENSION_URI.sdesMid],
  video: [RTP_EXTENSION_URI.sdesMid, RTP_EXTENSION_URI.absSendTime],
} as const;

const EXTMAP = /^a=extmap:(\d+)(?:\/\w+)? (\S+)/gm;

/**
 * In one BUNDLE an extension id means one extension in every m-section. werift numbers the
 * extensions of a new transceiver from its own config (mid = 1 for audio, 2 for video), which
 * collides with the ids a browser already negotiated on this session ("BUNDLE group contains a
 * codec collision for header extension id=2"). Before the SFU offers, each transceiver without
 * negotiated extensions gets the session's ids: the ones the descriptions so far use for the same
 * URI, else the lowest id nobody uses. werift's sender then writes packets with those same ids.
 */
export function alignHeaderExtensions(pc: RTCPeerConnection): void {
  const idByUri = new Map<string, number>();
  const used = new Set<number>();
  for (const sdp of [pc.remoteDescription?.sdp ?? "", pc.localDescription?.sdp ?? ""]) {
    for (const [, id, uri] of sdp.matchAll(EXTMAP)) {
      if (!id || !uri) continue;
      used.add(Number(id));
      if (!idByUri.has(uri)) idByUri.set(uri, Number(id));
    }
  }
  const idFor = (uri: string): number => {
    const known = idByUri.get(uri);
    if (known !== undefined) return known;
    let id = 1;
    while (used.has(id)) id += 1;
    used.add(id);
    idByUri.set(uri, id);
    return id;
  };
  for (const transceiver of pc.getTransceivers()) {
    if (transceiver.headerExtensions.length > 0 || (transceiver.kind !== "audio" && transceiver.kind !== "video")) continue;
    transceiver.headerExtensions = SENT_EXTENSIONS[transceiver.kind].map((uri) => new RTCRtpHeaderExtensionParameters({ uri, id: idFor(uri) }));
  }
}
