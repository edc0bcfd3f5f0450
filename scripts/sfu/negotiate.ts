import { alignHeaderExtensions } from "./extmap";
import type { SfuSession } from "./session";
import { looksLikeSdp, midsByIndex, rejectedMids, reopenInactiveSections } from "./sdp";
import { failure, type Reply } from "./shapes";

export interface Description {
  type: "offer" | "answer";
  sdp: string;
}

/** A negotiation step's outcome: the SDP to hand back, or the error answer. */
export type Negotiated = { ok: true; description: Description } | { ok: false; reply: Reply };

const refused = (reply: Reply): Negotiated => ({ ok: false, reply });
const reason = (err: unknown): string => (err instanceof Error ? err.message : String(err)).slice(0, 200);

/**
 * A browser recycles the m-line of a stopped transceiver for a new one (new mid, same index).
 * werift finds transceivers of a local description by m-line index, so the old transceiver would
 * take the new mid: it gives its index up first.
 */
function releaseRecycledSlots(session: SfuSession, offerSdp: string): void {
  const mids = midsByIndex(offerSdp);
  for (const transceiver of session.pc.getTransceivers()) {
    const index = transceiver.mLineIndex;
    if (index === undefined || index >= mids.length || mids[index] === transceiver.mid) continue;
    transceiver.mLineIndex = undefined;
    transceiver.usedForSender = true;
  }
}

/** Applies the client's offer; `beforeAnswer` runs in between (to register or close tracks by mid). */
export async function answerOffer(session: SfuSession, offer: Description, beforeAnswer: () => void = () => undefined): Promise<Negotiated> {
  if (offer.type !== "offer") return refused(failure(400, "invalid_request", "sessionDescription must be an offer here"));
  if (!looksLikeSdp(offer.sdp)) return refused(failure(400, "invalid_sdp", "sessionDescription.sdp is not a session description"));
  if (session.pc.signalingState !== "stable")
    return refused(failure(400, "invalid_state", "The session has an offer of its own waiting for an answer (renegotiate first)"));
  try {
    session.pinInactiveTransceivers();
    releaseRecycledSlots(session, offer.sdp);
    await session.pc.setRemoteDescription(offer);
    for (const mid of rejectedMids(offer.sdp)) session.rejected.add(mid);
    beforeAnswer();
    await session.pc.setLocalDescription(await session.pc.createAnswer());
  } catch (err) {
    await rollback(session);
    return refused(failure(400, "invalid_sdp", `The offer could not be applied: ${reason(err)}`));
  }
  return { ok: true, description: { type: "answer", sdp: reopenInactiveSections(localSdp(session), session.rejected) } };
}

/** An offer of the SFU's own (new pulled tracks, closed tracks), which the client answers through renegotiate. */
export async function makeOffer(session: SfuSession): Promise<Negotiated> {
  try {
    session.pinInactiveTransceivers();
    alignHeaderExtensions(session.pc);
    await session.pc.setLocalDescription(await session.pc.createOffer());
  } catch (err) {
    return refused(failure(500, "internal_error", `The SFU could not create an offer: ${reason(err)}`));
  }
  return { ok: true, description: { type: "offer", sdp: reopenInactiveSections(localSdp(session), session.rejected) } };
}

/** The client's answer to the SFU's last offer. */
export async function applyAnswer(session: SfuSession, answer: Description): Promise<Negotiated> {
  if (answer.type !== "answer") return refused(failure(400, "invalid_request", "sessionDescription must be an answer here"));
  if (session.pc.signalingState !== "have-local-offer") return refused(failure(400, "invalid_state", "The session has no offer waiting for an answer"));
  if (!looksLikeSdp(answer.sdp)) return refused(failure(400, "invalid_sdp", "sessionDescription.sdp is not a session description"));
  try {
    await session.pc.setRemoteDescription(answer);
    for (const mid of rejectedMids(answer.sdp)) session.rejected.add(mid);
  } catch (err) {
    return refused(failure(400, "invalid_sdp", `The answer could not be applied: ${reason(err)}`));
  }
  return { ok: true, description: answer };
}

function localSdp(session: SfuSession): string {
  return session.pc.localDescription?.sdp ?? "";
}

/** A description that failed half way leaves werift in have-remote-offer; back to stable so the session stays usable. */
async function rollback(session: SfuSession): Promise<void> {
  if (session.pc.signalingState === "stable") return;
  await session.pc.setRemoteDescription({ type: "rollback", sdp: "" }).catch(() => undefined);
}
