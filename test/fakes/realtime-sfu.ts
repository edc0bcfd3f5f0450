/**
 * A fake of the Cloudflare Realtime SFU HTTP API (https://rtc.live.cloudflare.com/v1/apps/{appId}/...),
 * following the published OpenAPI (realtime-api-2024-05-21): sessions/new → 201 {sessionId,
 * sessionDescription?}; tracks/new → 200 {requiresImmediateRenegotiation, tracks:[{mid, trackName,
 * sessionId?, errorCode?}], sessionDescription?}; renegotiate → 200 {}; tracks/close → 200 {tracks,
 * requiresImmediateRenegotiation:false}; errors as {errorCode, errorDescription}. Only the fake is
 * fake: our worker calls it over `fetch` exactly as it would call Cloudflare.
 */
interface FakeSession {
  tracks: Map<string, { trackName: string; location: "local" | "remote" }>;
  nextMid: number;
}

export interface SfuRequestLog {
  method: string;
  path: string;
  body: unknown;
}

export class FakeRealtimeSfu {
  readonly sessions = new Map<string, FakeSession>();
  readonly requests: SfuRequestLog[] = [];
  private failures: { status: number; body: unknown }[] = [];

  constructor(
    private readonly appId: string,
    private readonly appSecret: string,
  ) {}

  /** The next request is answered with this status and body (Cloudflare's error shape). */
  failNext(status: number, body: unknown = { errorCode: "internal_error", errorDescription: "Backend error" }): void {
    this.failures.push({ status, body });
  }

  async handle(request: Request, path: string): Promise<Response> {
    const body: unknown = request.method === "GET" ? null : await request.json().catch(() => undefined);
    this.requests.push({ method: request.method, path, body });
    if (request.headers.get("authorization") !== `Bearer ${this.appSecret}`) return error(401, "unauthorized", "Invalid app secret");
    const failure = this.failures.shift();
    if (failure) return Response.json(failure.body, { status: failure.status });
    if (body === undefined) return error(400, "decoding_error", "The request could not be decoded.");
    const match = /^\/apps\/([^/]+)\/sessions\/(new|[^/]+\/(?:tracks\/new|renegotiate|tracks\/close))$/.exec(path);
    if (!match || match[1] !== this.appId) return error(404, "not_found", "Unknown app or route");
    if (match[2] === "new" && request.method === "POST") return this.newSession(body);
    const [sessionId, ...rest] = (match[2] ?? "").split("/");
    const session = this.sessions.get(sessionId ?? "");
    if (!sessionId || !session) return error(404, "session_not_found", "Session not found");
    const op = rest.join("/");
    if (op === "tracks/new" && request.method === "POST") return this.newTracks(session, body);
    if (op === "renegotiate" && request.method === "PUT") return Response.json({});
    if (op === "tracks/close" && request.method === "PUT") return this.closeTracks(session, body);
    return error(405, "method_not_allowed", "Method not allowed");
  }

  private newSession(body: unknown): Response {
    const sessionId = crypto.randomUUID().replaceAll("-", "");
    this.sessions.set(sessionId, { tracks: new Map(), nextMid: 0 });
    const offer = isRecord(body) && isRecord(body.sessionDescription) ? body.sessionDescription : null;
    return Response.json({ sessionId, ...(offer ? { sessionDescription: { type: "answer", sdp: "v=0\r\nfake-answer\r\n" } } : {}) }, { status: 201 });
  }

  private newTracks(session: FakeSession, body: unknown): Response {
    if (!isRecord(body) || !Array.isArray(body.tracks)) return error(400, "invalid_request", "tracks is required");
    let pulls = false;
    const tracks = body.tracks.map((t: unknown) => {
      if (!isRecord(t) || typeof t.trackName !== "string") return { errorCode: "invalid_track", errorDescription: "trackName is required" };
      const mid = typeof t.mid === "string" ? t.mid : String(session.nextMid++);
      if (t.location === "remote") {
        const publisher = typeof t.sessionId === "string" ? this.sessions.get(t.sessionId) : undefined;
        const published = publisher && [...publisher.tracks.values()].some((x) => x.location === "local" && x.trackName === t.trackName);
        if (!published) return { trackName: t.trackName, sessionId: t.sessionId, errorCode: "not_found_track_error", errorDescription: "Track not found" };
        pulls = true;
        session.tracks.set(mid, { trackName: t.trackName, location: "remote" });
        return { mid, trackName: t.trackName, sessionId: t.sessionId };
      }
      session.tracks.set(mid, { trackName: t.trackName, location: "local" });
      return { mid, trackName: t.trackName };
    });
    const sdpType = pulls ? "offer" : "answer";
    return Response.json({ requiresImmediateRenegotiation: pulls, tracks, sessionDescription: { type: sdpType, sdp: `v=0\r\nfake-${sdpType}\r\n` } });
  }

  private closeTracks(session: FakeSession, body: unknown): Response {
    if (!isRecord(body) || !Array.isArray(body.tracks) || typeof body.force !== "boolean")
      return error(400, "invalid_request", "tracks and force are required");
    const tracks = body.tracks.map((t: unknown) => {
      const mid = isRecord(t) && typeof t.mid === "string" ? t.mid : "";
      if (!session.tracks.delete(mid)) return { mid, errorCode: "close_track_error", errorDescription: "Track doesn't exist or was already closed" };
      return { mid };
    });
    return Response.json({ tracks, requiresImmediateRenegotiation: false });
  }
}

function error(status: number, errorCode: string, errorDescription: string): Response {
  return Response.json({ errorCode, errorDescription }, { status });
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
