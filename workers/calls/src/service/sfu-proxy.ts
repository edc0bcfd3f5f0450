import { sfuRequestSchema, type SfuAnswer, type SfuRequest } from "../../../../lib/contracts/calls";
import { AppError, detailsFromZod } from "../../../../lib/errors";
import { log } from "../../../../lib/log";
import { unwrap } from "../../../../lib/result";
import type { AuthedContext } from "../../../../lib/rpc";
import { groupProvider, type CallsConfigEnv } from "../config";
import type { SfuCheck, SfuRecord } from "../rooms/room-sfu";
import { callRealtime } from "../sfu/realtime-api";
import { requireCallAccess } from "./call-access";
import { roomOf } from "./room-of";

const enc = encodeURIComponent;

function checkOf(request: SfuRequest): SfuCheck {
  if (request.action === "new_session") return { kind: "new_session" };
  const remoteSessionIds = request.action === "new_tracks" ? request.body.tracks.flatMap((t) => (t.sessionId ? [t.sessionId] : [])) : [];
  return { kind: "session", sessionId: request.sessionId, remoteSessionIds };
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
      return { kind: "tracks_added", sessionId: request.sessionId, mids: okMids };
    case "close_tracks":
      return { kind: "tracks_closed", sessionId: request.sessionId, mids: request.body.tracks.map((t) => t.mid) };
    case "renegotiate":
      return null;
  }
}

/**
 * The SFU proxy: the room vouches (participant in the call, own session, pulls only from this
 * call's participants), Cloudflare does the media work with our app secret, the room records
 * which sessions and tracks the participant now owns.
 */
export async function proxySfu(env: CallsEnv & CallsConfigEnv, ctx: AuthedContext, input: unknown): Promise<SfuAnswer> {
  const parsed = sfuRequestSchema.safeParse(input);
  if (!parsed.success) throw new AppError("VALIDATION_ERROR", "The request is not valid.", detailsFromZod(parsed.error));
  const request = parsed.data;
  // An outsider (or a member removed since the call started) gets 404 before any configuration check.
  await requireCallAccess(env, ctx, request.callId, "sfu");
  const provider = groupProvider(env);
  if (provider.kind !== "sfu") {
    if (provider.kind === "unconfigured") log({ event: "config_missing", feature: "sfu", missing: provider.missing, request_id: ctx.requestId }, "error");
    throw new AppError(
      "SERVICE_UNAVAILABLE",
      provider.kind === "unconfigured"
        ? `The SFU is not configured (missing ${provider.missing.join(", ")}).`
        : "This deployment runs group calls on RealtimeKit, not the SFU proxy.",
    );
  }
  const room = roomOf(env, request.callId);
  unwrap(await room.sfuCheck(ctx.userId, checkOf(request)));
  const answer = await callRealtime(provider, upstreamOf(request), ctx.requestId);
  const record = recordOf(request, answer);
  if (record) unwrap(await room.sfuRecord(ctx.userId, record));
  return answer;
}
