import { isRecord } from "./realtime-sfu";

/**
 * A fake of the RealtimeKit REST API (v2, basic auth organization id : API key):
 * POST /meetings {title} → 201 {success, data:{id, title, ...}};
 * POST /meetings/{id}/participants {custom_participant_id, preset_name, name?} →
 * 201 {success, data:{id, token, custom_participant_id, preset_name, created_at, updated_at}};
 * errors as {success:false, error:{code, message}}.
 */
export class FakeRealtimeKit {
  readonly meetings = new Map<string, { title: string; participants: Map<string, string> }>();
  private failures: { status: number; body: unknown }[] = [];

  constructor(
    private readonly orgId: string,
    private readonly apiKey: string,
  ) {}

  failNext(status: number, body: unknown = { success: false, error: { code: status, message: "Something went wrong" } }): void {
    this.failures.push({ status, body });
  }

  async handle(request: Request, path: string): Promise<Response> {
    if (request.headers.get("authorization") !== `Basic ${btoa(`${this.orgId}:${this.apiKey}`)}`) return fail(401, "Unauthorized");
    const failure = this.failures.shift();
    if (failure) return Response.json(failure.body, { status: failure.status });
    const body: unknown = await request.json().catch(() => null);
    if (request.method === "POST" && path === "/meetings") {
      const id = crypto.randomUUID();
      const title = isRecord(body) && typeof body.title === "string" ? body.title : "";
      this.meetings.set(id, { title, participants: new Map() });
      return Response.json({ success: true, data: { id, title, status: "ACTIVE", created_at: new Date().toISOString() } }, { status: 201 });
    }
    const match = /^\/meetings\/([^/]+)\/participants$/.exec(path);
    if (request.method === "POST" && match) {
      const meeting = this.meetings.get(match[1] ?? "");
      if (!meeting) return fail(404, "Meeting not found");
      if (!isRecord(body) || typeof body.custom_participant_id !== "string" || typeof body.preset_name !== "string")
        return fail(400, "custom_participant_id and preset_name are required");
      const id = crypto.randomUUID();
      const token = `rtk-token-${id}`;
      meeting.participants.set(body.custom_participant_id, token);
      const now = new Date().toISOString();
      return Response.json(
        {
          success: true,
          data: { id, token, custom_participant_id: body.custom_participant_id, preset_name: body.preset_name, created_at: now, updated_at: now },
        },
        { status: 201 },
      );
    }
    return fail(404, "Not found");
  }
}

function fail(status: number, message: string): Response {
  return Response.json({ success: false, error: { code: status, message } }, { status });
}
