import { RTCPeerConnection, RTCRtpCodecParameters, useAbsSendTime, useNACK, usePLI, useREMB, useSdesMid } from "werift";

/**
 * One werift peer connection per SFU session, set up for a loopback SFU: no ICE servers (werift's
 * default is a public STUN host, unreachable offline and pointless on one machine), loopback added
 * to the host candidates, everything on one BUNDLE transport, and exactly one codec per kind (opus,
 * VP8 without RTX), so every publisher and subscriber agrees on the payload and the SFU never
 * transcodes or translates retransmissions.
 */
export function newPeerConnection(hostAddresses: readonly string[]): RTCPeerConnection {
  return new RTCPeerConnection({
    iceServers: [],
    iceAdditionalHostAddresses: [...hostAddresses],
    iceUseIpv6: false,
    bundlePolicy: "max-bundle",
    codecs: {
      audio: [new RTCRtpCodecParameters({ mimeType: "audio/opus", clockRate: 48_000, channels: 2, parameters: "minptime=10;useinbandfec=1" })],
      video: [new RTCRtpCodecParameters({ mimeType: "video/VP8", clockRate: 90_000, rtcpFeedback: [useNACK(), usePLI(), useREMB()] })],
    },
    headerExtensions: {
      audio: [useSdesMid()],
      video: [useSdesMid(), useAbsSendTime()],
    },
  });
}
