import * as z from "zod";
import { sfuAnswerSchema } from "../../lib/contracts/calls";

/**
 * What the local SFU answers. Requests are read with the very schemas our proxy sends
 * (lib/contracts/calls.ts); answers are Cloudflare's published shapes (the proxy's `sfuAnswerSchema`,
 * whose track items we also give `location`, as Cloudflare does), so whatever parses Cloudflare's
 * answers parses these.
 */
const trackResultSchema = z.object({
  location: z.enum(["local", "remote"]).optional(),
  mid: z.string().optional(),
  trackName: z.string().optional(),
  sessionId: z.string().optional(),
  errorCode: z.string().optional(),
  errorDescription: z.string().optional(),
});
export const localSfuAnswerSchema = sfuAnswerSchema.extend({ tracks: z.array(trackResultSchema).optional() });
export type LocalSfuAnswer = z.infer<typeof localSfuAnswerSchema>;
export type TrackResult = z.infer<typeof trackResultSchema>;

/** GET /apps/{appId}/sessions/{sessionId}: the session's tracks, as Cloudflare lists them. */
export const sessionStateSchema = z.object({
  tracks: z.array(
    z.object({
      location: z.enum(["local", "remote"]),
      mid: z.string(),
      trackName: z.string(),
      sessionId: z.string().optional(),
      status: z.enum(["active", "inactive"]),
    }),
  ),
});
export type SessionState = z.infer<typeof sessionStateSchema>;

const byKindSchema = z.object({ audio: z.number().int(), video: z.number().int() });

/** GET /stats: the local SFU's own counters (ours, so snake_case), for tests and benchmarks. */
export const sfuStatsSchema = z.object({
  sessions: z.number().int(),
  connected_sessions: z.number().int(),
  /** Sessions with at least one open published track. */
  publishers: z.number().int(),
  published_tracks: byKindSchema,
  /** Pulled tracks whose publication is still open: one per subscriber per track. */
  forwarded_tracks: byKindSchema,
  packets_received: byKindSchema,
  packets_forwarded: byKindSchema,
  /** Key-frame requests (PLI) the SFU sent to publishers: for new subscribers, and for subscribers' own. */
  plis_sent: z.number().int(),
  /** PLIs subscribers sent the SFU (each forwarded to the publisher, throttled). */
  plis_received: z.number().int(),
  /** Key frames forwarded to a subscriber that was waiting for one. */
  key_frames_delivered: z.number().int(),
});
export type SfuStats = z.infer<typeof sfuStatsSchema>;

/**
 * POST /test/drop-session (ours, for recovery tests): the SFU drops one session as if it had lost it
 * (its transport closes, its publications end for their subscribers), found by its id or by the
 * port of one of its ICE candidates (the remote end of a browser's selected candidate pair).
 */
export const dropSessionBodySchema = z.union([
  z.strictObject({ session_id: z.string().min(1).max(128) }),
  z.strictObject({ port: z.number().int().min(1).max(65_535) }),
]);
export type DropSessionBody = z.infer<typeof dropSessionBodySchema>;
export const dropSessionAnswerSchema = z.object({ dropped: z.string() });
export type DropSessionAnswer = z.infer<typeof dropSessionAnswerSchema>;

/** An answer with its HTTP status, as the operations hand it to the server. */
export interface Reply {
  status: number;
  body: LocalSfuAnswer | SessionState | SfuStats | DropSessionAnswer;
}

export function failure(status: number, errorCode: string, errorDescription: string): Reply {
  return { status, body: { errorCode, errorDescription } };
}
