import type { SignalingServerFrame } from "../../../../lib/contracts/call-frames";
import { isPresent, type CallState, type RoomTrack } from "./call-state";
import type { TrackChange } from "./room-sfu";
import { broadcast, send } from "./room-sockets";

/*
 * Track discovery and mute state for group calls: what a participant published through the SFU
 * proxy (session id, track names, kinds) and said about their microphone/camera, told to the
 * other participants as it changes and to a joiner when their socket opens. Only sockets of the
 * room get them, and the room accepts sockets only of participants who are in the call.
 */

const published = (tracks: RoomTrack[]) => tracks.map((t) => ({ track_name: t.trackName, kind: t.kind }));

/** The frames for one participant's track changes (nothing for a change that changed nothing). */
export function trackFrames(userId: string, changes: TrackChange[]): SignalingServerFrame[] {
  return changes.flatMap(({ sessionId, added, removed }): SignalingServerFrame[] => [
    ...(added.length > 0 ? [{ type: "tracks" as const, user_id: userId, session_id: sessionId, tracks: published(added) }] : []),
    ...(removed.length > 0 ? [{ type: "tracks_closed" as const, user_id: userId, session_id: sessionId, track_names: removed.map((t) => t.trackName) }] : []),
  ]);
}

/** Tells everybody but the publisher. */
export function announceTracks(ctx: DurableObjectState, userId: string, changes: TrackChange[]): void {
  for (const frame of trackFrames(userId, changes)) broadcast(ctx, frame, userId);
}

export function muteFrame(userId: string, muted: { audio: boolean; video: boolean }): SignalingServerFrame {
  return { type: "mute", user_id: userId, audio_muted: muted.audio, video_muted: muted.video };
}

/** On connect: every other present participant's published tracks and mute state, as the change frames. */
export function sendRoster(ws: WebSocket, state: CallState, selfId: string): void {
  for (const [sessionId, session] of Object.entries(state.sfuSessions)) {
    if (session.userId === selfId || !isPresent(state, session.userId)) continue;
    for (const frame of trackFrames(session.userId, [{ sessionId, added: session.published ?? [], removed: [] }])) send(ws, frame);
  }
  for (const [userId, p] of Object.entries(state.participants)) {
    if (userId !== selfId && p.muted && isPresent(state, userId)) send(ws, muteFrame(userId, p.muted));
  }
}
