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
});
export type SfuStats = z.infer<typeof sfuStatsSchema>;

/** An answer with its HTTP status, as the operations hand it to the server. */
export interface Reply {
  status: number;
  body: LocalSfuAnswer | SessionState | SfuStats;
}

export function failure(status: number, errorCode: string, errorDescription: string): Reply {
  return { status, body: { errorCode, errorDescription } };
}
