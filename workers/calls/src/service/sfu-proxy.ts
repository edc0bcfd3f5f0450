import { sfuRequestSchema, type SfuAnswer, type SfuRequest } from "../../../../lib/contracts/calls";
import { AppError } from "../../../../lib/errors";
import { log } from "../../../../lib/log";
import { forwardResult, ok, type Result } from "../../../../lib/result";
import { durableObjectByName, parseInput, type AuthedContext } from "../../../../lib/rpc";
import { groupProvider, type CallsConfigEnv } from "../config";
import type { RoomTrack } from "../rooms/call-state";
import type { SfuCheck, SfuRecord } from "../rooms/room-sfu";
import { callRealtime } from "../sfu/realtime-api";
import { kindsByMid } from "../sfu/sdp-kinds";
import { requireCallAccess } from "./call-access";

const enc = encodeURIComponent;

function checkOf(request: SfuRequest): SfuCheck {
  if (request.action === "new_session") return { kind: "new_session" };
  const pulls =
    request.action === "new_tracks" ? request.body.tracks.flatMap((t) => (t.sessionId ? [{ sessionId: t.sessionId, trackName: t.trackName }] : [])) : [];
  return { kind: "session", sessionId: request.sessionId, pulls };
}

/**
 * The tracks a tracks/new published, with their kind: as the request said, else the m-section of
 * that mid in the offer (or in Cloudflare's answer). A track whose kind cannot be told is kept
 * open (its mid) but not announced, so nobody can pull it.
 */
function publishedOf(request: Extract<SfuRequest, { action: "new_tracks" }>, answer: SfuAnswer): RoomTrack[] {
  const offered = kindsByMid(request.body.sessionDescription?.sdp);
  const answered = kindsByMid(answer.sessionDescription?.sdp);
  return request.body.tracks.flatMap((t) => {
    if (t.location !== "local") return [];
    // Cloudflare may name the publishing session on a local track's answer too: ours, never another.
    const accepted = (answer.tracks ?? []).find((a) => a.trackName === t.trackName && (a.sessionId === undefined || a.sessionId === request.sessionId));
    const mid = accepted?.mid ?? t.mid;
    if (!accepted || accepted.errorCode || !mid) return [];
    const kind = t.kind ?? offered.get(mid) ?? answered.get(mid);
    return kind ? [{ mid, trackName: t.trackName, kind }] : [];
  });
}

function upstreamOf(request: SfuRequest): { method: "POST" | "PUT"; path: string; body: unknown; operation: string } {
  switch (request.action) {
    case "new_session":
      return { method: "POST", path: "/sessions/new", body: request.body, operation: "sessions-new" };
    case "new_tracks":
      return { method: "POST", path: `/sessions/${enc(request.sessionId)}/tracks/new`, body: request.body, operation: "tracks-new" };
    case "renegotiate":
      return { method: "PUT", path: `/sessions/${enc(request.sessionId)}/renegotiate`, body: request.body, operation: "renegotiate" };
    case "close_tracks":
      return { method: "PUT", path: `/sessions/${enc(request.sessionId)}/tracks/close`, body: request.body, operation: "tracks-close" };
  }
}

function recordOf(request: SfuRequest, answer: SfuAnswer): SfuRecord | null {
  const okMids = (answer.tracks ?? []).flatMap((t) => (t.mid && !t.errorCode ? [t.mid] : []));
  switch (request.action) {
    case "new_session":
      return answer.sessionId ? { kind: "session_created", sessionId: answer.sessionId } : null;
    case "new_tracks":
      return { kind: "tracks_added", sessionId: request.sessionId, mids: okMids, published: publishedOf(request, answer) };
    case "close_tracks":
      return { kind: "tracks_closed", sessionId: request.sessionId, mids: request.body.tracks.map((t) => t.mid) };
    case "renegotiate":
      return null;
  }
}

/**
 * The SFU proxy: the room vouches (participant in the call, own session, pulls only from this
 * call's participants), Cloudflare does the media work with our app secret, the room records
 * which sessions and tracks the participant now owns. The room's refusals are the answer as they are.
 */
export function proxySfu(env: CallsEnv & CallsConfigEnv, rpc: AuthedContext, input: SfuRequest): Promise<Result<SfuAnswer>> {
  return forwardResult(async () => {
    const request = parseInput(sfuRequestSchema, input);
    // An outsider (or a member removed since the call started) gets 404 before any configuration check.
    await requireCallAccess(env, rpc, request.callId, "sfu");
    const provider = groupProvider(env);
    if (provider.kind !== "sfu") {
      if (provider.kind === "unconfigured") log({ event: "config_missing", feature: "sfu", missing: provider.missing, request_id: rpc.requestId }, "error");
      throw new AppError(
        "SERVICE_UNAVAILABLE",
        provider.kind === "unconfigured"
          ? `The SFU is not configured (missing ${provider.missing.join(", ")}).`
          : "This deployment runs group calls on RealtimeKit, not the SFU proxy.",
      );
    }
    const room = durableObjectByName(env.CALL_ROOM, request.callId);
    const allowed = await room.sfuCheck(rpc.userId, checkOf(request));
    if (!allowed.ok) return allowed;
    const answer = await callRealtime(provider, upstreamOf(request), rpc.requestId);
    const record = recordOf(request, answer);
    const recorded = record ? await room.sfuRecord(rpc.userId, record) : ok(null);
    return recorded.ok ? ok(answer) : recorded;
  });
}
