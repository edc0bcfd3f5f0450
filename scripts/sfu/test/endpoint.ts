import { randomBytes } from "node:crypto";
import { MediaStreamTrack, type RTCPeerConnection, RtpHeader, RtpPacket, type RTCRtpTransceiver } from "werift";
import { newPeerConnection } from "../peer";
import { startsVp8KeyFrame } from "../vp8";
import { startLocalSfu, type LocalSfuProcess } from "../../lib/local-sfu.mjs";
import { localSfuAnswerSchema, sfuStatsSchema, type LocalSfuAnswer, type SfuStats } from "../shapes";

/** Where each operation lives: Cloudflare's paths on the SFU itself, or our gateway's proxy routes. */
export interface SfuRoutes {
  newSession: string;
  tracks: (sessionId: string) => string;
  renegotiate: (sessionId: string) => string;
  close: (sessionId: string) => string;
}

export const CLOUDFLARE_ROUTES: SfuRoutes = {
  newSession: "/sessions/new",
  tracks: (sid) => `/sessions/${sid}/tracks/new`,
  renegotiate: (sid) => `/sessions/${sid}/renegotiate`,
  close: (sid) => `/sessions/${sid}/tracks/close`,
};

/** POST /v1/calls/{id}/sfu/sessions and its siblings (API.md), relative to `${base}/v1/calls/${id}/sfu`. */
export const GATEWAY_ROUTES: SfuRoutes = {
  newSession: "/sessions",
  tracks: (sid) => `/sessions/${sid}/tracks`,
  renegotiate: (sid) => `/sessions/${sid}/renegotiate`,
  close: (sid) => `/sessions/${sid}/tracks/close`,
};

/** A client of an SFU HTTP API: the local SFU directly (what our calls worker is to Cloudflare), or our proxy. */
export class SfuApi {
  constructor(
    readonly base: string,
    readonly headers: Record<string, string>,
    readonly routes: SfuRoutes = CLOUDFLARE_ROUTES,
  ) {}

  /** The local SFU's own API for app `appId`, with the app secret. */
  static direct(apiBase: string, appId: string, secret: string): SfuApi {
    return new SfuApi(`${apiBase}/apps/${appId}`, { authorization: `Bearer ${secret}` });
  }

  async call(method: "GET" | "POST" | "PUT", path: string, body?: unknown, headers = this.headers): Promise<{ status: number; body: LocalSfuAnswer }> {
    const res = await fetch(`${this.base}${path}`, {
      method,
      headers: { ...headers, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
    });
    return { status: res.status, body: localSfuAnswerSchema.parse(await res.json()) };
  }
}

/** An endpoint (a werift peer standing in for a browser) with its SFU session. */
export class Endpoint {
  readonly pc: RTCPeerConnection = newPeerConnection(["127.0.0.1"]);
  readonly received = { audio: 0, video: 0 };
  readonly receivedMids = new Set<string>();
  /** Received video packets that start a VP8 key frame. */
  keyFramesReceived = 0;
  /** Picture loss indications the SFU sent this endpoint's published video. */
  plisReceived = 0;
  /** The receivers of pulled tracks, by kind (to send the SFU a PLI as a browser would). */
  readonly receiving = new Map<string, RTCRtpTransceiver>();
  sessionId = "";

  constructor(readonly api: SfuApi) {
    this.pc.ontrack = ({ track, transceiver }) => {
      this.receiving.set(track.kind, transceiver);
      track.onReceiveRtp.subscribe((rtp) => {
        if (track.kind === "audio" || track.kind === "video") this.received[track.kind] += 1;
        if (track.kind === "video" && startsVp8KeyFrame(rtp.payload)) this.keyFramesReceived += 1;
        if (transceiver.mid) this.receivedMids.add(transceiver.mid);
      });
    };
  }

  /** Asks for a key frame of the pulled video, as a browser that lost a frame does. */
  async sendPli(): Promise<void> {
    const transceiver = this.receiving.get("video");
    const ssrc = transceiver?.receiver.track.ssrc;
    if (!transceiver || ssrc === undefined) throw new Error("no pulled video to ask a key frame of");
    await transceiver.receiver.sendRtcpPLI(ssrc);
  }

  async open(): Promise<void> {
    const created = await this.api.call("POST", this.api.routes.newSession, {});
    if (created.status !== 201 || !created.body.sessionId) throw new Error(`sessions/new answered ${created.status}`);
    this.sessionId = created.body.sessionId;
  }

  /** Publishes one synthetic track per kind; returns the senders' tracks (feed them with `pump`). */
  async publish(names: { audio: string; video: string }): Promise<{ answer: LocalSfuAnswer; tracks: MediaStreamTrack[] }> {
    const audio = new MediaStreamTrack({ kind: "audio" });
    const video = new MediaStreamTrack({ kind: "video" });
    const ta = this.pc.addTransceiver(audio, { direction: "sendonly" });
    const tv = this.pc.addTransceiver(video, { direction: "sendonly" });
    tv.sender.onPictureLossIndication.subscribe(() => (this.plisReceived += 1));
    await this.pc.setLocalDescription(await this.pc.createOffer());
    const offer = this.pc.localDescription;
    const res = await this.api.call("POST", this.api.routes.tracks(this.sessionId), {
      sessionDescription: offer,
      tracks: [
        { location: "local", mid: midOf(ta), trackName: names.audio },
        { location: "local", mid: midOf(tv), trackName: names.video },
      ],
    });
    if (res.status !== 200 || !res.body.sessionDescription) throw new Error(`publish answered ${res.status}: ${JSON.stringify(res.body)}`);
    await this.pc.setRemoteDescription({ type: "answer", sdp: res.body.sessionDescription.sdp });
    return { answer: res.body, tracks: [audio, video] };
  }

  /** Pulls another session's tracks: the SFU offers, this endpoint answers through renegotiate. */
  async pull(tracks: { sessionId: string; trackName: string }[]): Promise<LocalSfuAnswer> {
    const res = await this.api.call("POST", this.api.routes.tracks(this.sessionId), { tracks: tracks.map((t) => ({ location: "remote", ...t })) });
    if (res.status !== 200) throw new Error(`pull answered ${res.status}: ${JSON.stringify(res.body)}`);
    if (res.body.requiresImmediateRenegotiation && res.body.sessionDescription) await this.answer(res.body.sessionDescription.sdp);
    return res.body;
  }

  async answer(offerSdp: string): Promise<void> {
    await this.pc.setRemoteDescription({ type: "offer", sdp: offerSdp });
    await this.pc.setLocalDescription(await this.pc.createAnswer());
    const res = await this.api.call("PUT", this.api.routes.renegotiate(this.sessionId), { sessionDescription: this.pc.localDescription });
    if (res.status !== 200) throw new Error(`renegotiate answered ${res.status}: ${JSON.stringify(res.body)}`);
  }

  async close(): Promise<void> {
    await this.pc.close();
  }
}

function midOf(transceiver: RTCRtpTransceiver): string {
  if (!transceiver.mid) throw new Error("transceiver has no mid after setLocalDescription");
  return transceiver.mid;
}

/**
 * A VP8 payload of one single-packet frame (RFC 7741 descriptor: start of partition 0, no extensions;
 * then the payload header whose low bit P is 0 for a key frame).
 */
export function vp8Frame(key: boolean): Buffer {
  const payload = Buffer.alloc(200, 0x55);
  payload[0] = 0x10;
  payload[1] = key ? 0x00 : 0x01;
  return payload;
}

/**
 * Writes synthetic RTP into each track every 20 ms until stopped (the SFU forwards bytes, never
 * decodes). Video carries VP8 delta frames, and a key frame whenever `keyFrame()` says so.
 */
export function pump(tracks: MediaStreamTrack[], keyFrame: () => boolean = () => false): () => void {
  let seq = 1;
  const timer = setInterval(() => {
    seq = (seq + 1) & 0xffff;
    for (const track of tracks) {
      const header = new RtpHeader({ sequenceNumber: seq, timestamp: seq * 960, marker: true, payloadType: 96 });
      track.writeRtp(new RtpPacket(header, track.kind === "video" ? vp8Frame(keyFrame()) : Buffer.alloc(200, seq & 0xff)));
    }
  }, 20);
  return () => clearInterval(timer);
}

export async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A fresh local SFU process with a random app secret, and a client of its API. */
export async function startTestSfu(): Promise<{ sfu: LocalSfuProcess; api: SfuApi; secret: string; stats: () => Promise<SfuStats> }> {
  const secret = randomBytes(12).toString("hex");
  const sfu = await startLocalSfu({ appSecret: secret });
  const stats = async () => sfuStatsSchema.parse(await (await fetch(`${sfu.url}/stats`)).json());
  return { sfu, api: SfuApi.direct(sfu.apiBase, sfu.appId, secret), secret, stats };
}
