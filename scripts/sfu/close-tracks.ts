import type { SfuCloseTracksBody } from "../../lib/contracts/calls";
import { answerOffer, makeOffer } from "./negotiate";
import type { SfuSession } from "./session";
import type { Reply, TrackResult } from "./shapes";

/** Ends the track at `mid` (published or pulled); false when the session has no open track there. */
function closeTrack(session: SfuSession, mid: string): boolean {
  const publication = session.published.get(mid);
  if (publication) {
    for (const subscriber of publication.subscribers) subscriber.source = null;
    publication.subscribers.clear();
    session.published.delete(mid);
    publication.transceiver.setDirection("inactive");
    return true;
  }
  const pulled = session.pulled.get(mid);
  if (!pulled) return false;
  pulled.source?.subscribers.delete(pulled);
  session.pulled.delete(mid);
  pulled.transceiver.setDirection("inactive");
  return true;
}

/**
 * tracks/close: each mid's track ends at once (its subscribers stop receiving). With the client's
 * offer the SFU answers it; without one and without `force`, the SFU offers the now inactive
 * sections itself (requiresImmediateRenegotiation); with `force` nothing is renegotiated.
 */
export async function closeTracks(session: SfuSession, body: SfuCloseTracksBody): Promise<Reply> {
  const tracks: TrackResult[] = [];
  const close = () => {
    for (const { mid } of body.tracks) {
      tracks.push(closeTrack(session, mid) ? { mid } : { mid, errorCode: "close_track_error", errorDescription: "Track doesn't exist or was already closed" });
    }
  };
  const offer = body.sessionDescription;
  if (offer) {
    const answered = await answerOffer(session, offer, close);
    if (!answered.ok) return answered.reply;
    return { status: 200, body: { requiresImmediateRenegotiation: false, sessionDescription: answered.description, tracks } };
  }
  close();
  const closedAny = tracks.some((t) => !t.errorCode);
  if (body.force || !closedAny || session.pc.signalingState !== "stable") return { status: 200, body: { requiresImmediateRenegotiation: false, tracks } };
  const offered = await makeOffer(session);
  if (!offered.ok) return offered.reply;
  return { status: 200, body: { requiresImmediateRenegotiation: true, sessionDescription: offered.description, tracks } };
}
