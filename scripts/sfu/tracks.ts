import { MediaStream } from "werift";
import type { SfuNewTracksBody } from "../../lib/contracts/calls";
import { answerOffer, makeOffer } from "./negotiate";
import { isMediaKind, requestKeyFrame, type PulledTrack, type SfuSession } from "./session";
import { failure, type Reply, type TrackResult } from "./shapes";

type TrackRequest = SfuNewTracksBody["tracks"][number];

const trackError = (t: TrackRequest, errorCode: string, errorDescription: string): TrackResult => ({
  location: t.location,
  trackName: t.trackName,
  ...(t.sessionId ? { sessionId: t.sessionId } : {}),
  ...(t.mid ? { mid: t.mid } : {}),
  errorCode,
  errorDescription,
});

/**
 * Local tracks: the client's offer carries them, each named by its mid. The offer is applied, each
 * requested mid becomes a publication (one that is not in the offer, or whose name this session
 * already publishes, gets a per-track error), and the answer goes back.
 */
export async function publishTracks(session: SfuSession, body: SfuNewTracksBody): Promise<Reply> {
  const offer = body.sessionDescription;
  if (!offer) return failure(400, "invalid_request", "Local tracks need the client's sessionDescription (an offer)");
  const results: TrackResult[] = [];
  const answered = await answerOffer(session, offer, () => {
    const names = new Set([...session.published.values()].map((p) => p.trackName));
    for (const t of body.tracks) {
      const transceiver = t.mid === undefined ? undefined : session.pc.getTransceivers().find((x) => x.mid === t.mid);
      if (!t.mid || !transceiver) {
        results.push(trackError(t, "invalid_track", t.mid ? `The offer has no m-section with mid ${t.mid}` : "mid is required for local tracks"));
        continue;
      }
      if (names.has(t.trackName) || session.published.has(t.mid) || !isMediaKind(transceiver.kind)) {
        results.push(trackError(t, "invalid_track", `Track ${t.trackName} (mid ${t.mid}) is already published or is not audio or video`));
        continue;
      }
      names.add(t.trackName);
      session.published.set(t.mid, {
        trackName: t.trackName,
        mid: t.mid,
        kind: transceiver.kind,
        transceiver,
        subscribers: new Set(),
        lastPliAt: 0,
        pliPending: false,
      });
      results.push({ location: "local", mid: t.mid, trackName: t.trackName, sessionId: session.id });
    }
  });
  if (!answered.ok) return answered.reply;
  return { status: 200, body: { requiresImmediateRenegotiation: false, sessionDescription: answered.description, tracks: results } };
}

/**
 * Remote tracks: another session's publications by session id and track name. Each found one gets
 * a send-only transceiver here that the publication forwards into; the SFU then offers, and the
 * client must answer through renegotiate before it asks for anything else.
 */
export async function pullTracks(session: SfuSession, body: SfuNewTracksBody, sessionById: (id: string) => SfuSession | undefined): Promise<Reply> {
  if (body.sessionDescription) return failure(400, "invalid_request", "Remote tracks are offered by the SFU; send no sessionDescription with them");
  if (session.pc.signalingState !== "stable")
    return failure(400, "invalid_state", "The session's previous offer is still waiting for an answer (renegotiate first)");
  const results: (TrackResult | PulledTrack)[] = body.tracks.map((t) => {
    const publisher = t.sessionId === undefined ? undefined : sessionById(t.sessionId);
    const publication = publisher && [...publisher.published.values()].find((p) => p.trackName === t.trackName);
    if (!publisher || !publication) return trackError(t, "not_found_track_error", "Track not found");
    const transceiver = session.pc.addTransceiver(publication.kind, { direction: "sendonly", streams: [new MediaStream({ id: publisher.id })] });
    return {
      trackName: t.trackName,
      mid: "",
      kind: publication.kind,
      publisherSessionId: publisher.id,
      sender: transceiver.sender,
      source: publication,
      transceiver,
      awaitingKeyFrame: publication.kind === "video",
    };
  });
  const pulls = results.filter((r): r is PulledTrack => "sender" in r);
  if (pulls.length === 0)
    return { status: 200, body: { requiresImmediateRenegotiation: false, tracks: results.filter((r): r is TrackResult => !("sender" in r)) } };
  const offered = await makeOffer(session);
  if (!offered.ok) return offered.reply;
  for (const pulled of pulls) {
    pulled.mid = pulled.transceiver.mid ?? "";
    session.pulled.set(pulled.mid, pulled);
    pulled.source?.subscribers.add(pulled);
    const keyFrame = () => {
      if (pulled.source) requestKeyFrame(pulled.source, session.counters);
    };
    // Its transport just came up: it needs a key frame now. Its own requests arrive through watchRtcp.
    pulled.sender.onReady.subscribe(keyFrame);
    session.watchRtcp(pulled.transceiver);
  }
  const tracks = results.map((r): TrackResult =>
    "sender" in r ? { location: "remote", mid: r.mid, trackName: r.trackName, sessionId: r.publisherSessionId } : r,
  );
  return { status: 200, body: { requiresImmediateRenegotiation: true, sessionDescription: offered.description, tracks } };
}
