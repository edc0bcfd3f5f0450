import { describeError, log } from "../../../../lib/log";
import { groupProvider } from "../config";
import { callRealtime } from "./realtime-api";

/**
 * Force-closes the tracks a departed participant (or an ended call) left open at the SFU, so media
 * stops flowing to and from sessions the room no longer vouches for. Best effort: a failure is
 * logged, and Cloudflare expires idle sessions on its own.
 */
export async function closeLeftoverTracks(env: CallsEnv, sessions: { sessionId: string; mids: string[] }[], requestId: string): Promise<void> {
  const provider = groupProvider(env);
  if (provider.kind !== "sfu") return;
  for (const { sessionId, mids } of sessions) {
    if (mids.length === 0) continue;
    try {
      await callRealtime(
        provider,
        {
          method: "PUT",
          path: `/sessions/${encodeURIComponent(sessionId)}/tracks/close`,
          body: { tracks: mids.map((mid) => ({ mid })), force: true },
          operation: "cleanup-tracks-close",
        },
        requestId,
      );
    } catch (err) {
      log({ event: "unhandled_error", where: "sfu-cleanup", error: describeError(err), request_id: requestId }, "warn");
    }
  }
}
