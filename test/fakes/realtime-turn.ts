import { isRecord } from "./realtime-sfu";

/**
 * A fake of Cloudflare Realtime TURN's credential endpoint:
 * POST /v1/turn/keys/{keyId}/credentials/generate-ice-servers, Bearer <TURN key API token>,
 * body {ttl} → 201 {iceServers: [{urls:[stun…]}, {urls:[turn…], username, credential}]}.
 */
export class FakeRealtimeTurn {
  issued = 0;
  private failures: { status: number; body: unknown }[] = [];

  constructor(
    private readonly keyId: string,
    private readonly apiToken: string,
  ) {}

  /** The next request fails like a dropped connection (fetch rejects). */
  dropNext(): void {
    this.drops += 1;
  }
  private drops = 0;

  failNext(status: number, body: unknown = { errorCode: "internal_error", errorDescription: "Backend error" }): void {
    this.failures.push({ status, body });
  }

  async handle(request: Request, path: string): Promise<Response> {
    if (this.drops > 0) {
      this.drops -= 1;
      throw new TypeError("Network connection lost.");
    }
    if (request.headers.get("authorization") !== `Bearer ${this.apiToken}`)
      return Response.json({ errorCode: "unauthorized", errorDescription: "Invalid token" }, { status: 401 });
    const failure = this.failures.shift();
    if (failure) return Response.json(failure.body, { status: failure.status });
    if (request.method !== "POST" || path !== `/turn/keys/${this.keyId}/credentials/generate-ice-servers`)
      return Response.json({ errorCode: "not_found" }, { status: 404 });
    const body: unknown = await request.json().catch(() => null);
    if (!isRecord(body) || typeof body.ttl !== "number" || body.ttl <= 0)
      return Response.json({ errorCode: "invalid_ttl", errorDescription: "ttl is required" }, { status: 400 });
    this.issued += 1;
    return Response.json(
      {
        iceServers: [
          { urls: ["stun:stun.cloudflare.com:3478", "stun:stun.cloudflare.com:53"] },
          {
            urls: [
              "turn:turn.cloudflare.com:3478?transport=udp",
              "turn:turn.cloudflare.com:3478?transport=tcp",
              "turns:turn.cloudflare.com:5349?transport=tcp",
            ],
            username: `fake-user-${this.issued}`,
            credential: `fake-credential-${this.issued}`,
          },
        ],
      },
      { status: 201 },
    );
  }
}
