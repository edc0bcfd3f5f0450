import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterAll, beforeAll, describe, it } from "vitest";
import { CallsService } from "../../workers/calls/src/index";
import { installRealtimeFakes, type RealtimeFakes } from "../fakes/realtime-network";
import { conversationOf } from "./helpers";

let fakes: RealtimeFakes;
beforeAll(() => {
  fakes = installRealtimeFakes();
});
afterAll(() => fakes.uninstall());

/** The real calls service as a deployment with GROUP_CALL_PROVIDER=realtimekit runs it. */
const kitService = (overrides: Record<string, string> = {}) =>
  new CallsService(createExecutionContext(), { ...env, GROUP_CALL_PROVIDER: "realtimekit", ...overrides });
const as = (userId: string) => ({ requestId: `rtk-${userId}`, userId });

describe("RealtimeKit as the group-call provider", () => {
  it("gives each joining member a participant token for the call's one meeting", async ({ expect }) => {
    const { users, conversationId } = await conversationOf(3);
    const [alice, bob] = users;
    if (!alice || !bob) throw new Error("users");
    const service = kitService();
    const started = await service.initiate(as(alice.user.id), { conversation_id: conversationId, type: "video" });
    if (!started.ok) throw new Error(started.error.message);
    const meetingId = started.value.realtimekit?.meeting_id;
    expect(started.value.realtimekit).toEqual({ meeting_id: expect.any(String), auth_token: expect.stringMatching(/^rtk-token-/) });
    const joined = await service.join(as(bob.user.id), { callId: started.value.call.id });
    if (!joined.ok) throw new Error(joined.error.message);
    expect(joined.value.realtimekit?.meeting_id).toBe(meetingId);
    expect(joined.value.realtimekit?.auth_token).not.toBe(started.value.realtimekit?.auth_token);
    const meeting = fakes.kit.meetings.get(meetingId ?? "");
    expect(meeting?.title).toContain(started.value.call.id);
    expect([...(meeting?.participants.keys() ?? [])].sort()).toEqual([alice.user.id, bob.user.id].sort());
    expect(fakes.kit.meetings.size).toBeGreaterThanOrEqual(1);
    // The SFU proxy is not this deployment's group path.
    const sfu = await service.sfu(as(bob.user.id), { action: "new_session", callId: started.value.call.id, body: {} });
    expect(sfu).toMatchObject({ ok: false, error: { code: "SERVICE_UNAVAILABLE" } });
  });

  it("1:1 calls stay peer-to-peer (no meeting)", async ({ expect }) => {
    const { users, conversationId } = await conversationOf(2);
    const [alice] = users;
    if (!alice) throw new Error("users");
    const before = fakes.kit.meetings.size;
    const started = await kitService().initiate(as(alice.user.id), { conversation_id: conversationId, type: "audio" });
    expect(started.ok && started.value.realtimekit).toBe(undefined);
    expect(fakes.kit.meetings.size).toBe(before);
  });

  it("maps RealtimeKit's error answers to 503 and never leaves a call ringing that its caller cannot see", async ({ expect }) => {
    const { users, conversationId } = await conversationOf(3);
    const [alice, bob] = users;
    if (!alice || !bob) throw new Error("users");
    fakes.kit.failNext(500);
    const down = await kitService().initiate(as(alice.user.id), { conversation_id: conversationId, type: "video" });
    expect(down).toMatchObject({ ok: false, error: { code: "SERVICE_UNAVAILABLE" } });
    const history = await new CallsService(createExecutionContext(), env).history(as(alice.user.id), { conversation_id: conversationId });
    expect(history).toMatchObject({ ok: true, value: { calls: [{ status: "ended", end_reason: "cancelled" }] } });

    const started = await kitService().initiate(as(alice.user.id), { conversation_id: conversationId, type: "video" });
    if (!started.ok) throw new Error(started.error.message);
    const callId = started.value.call.id;
    const badKey = await kitService({ REALTIMEKIT_API_KEY: "wrong" }).join(as(bob.user.id), { callId });
    expect(badKey).toMatchObject({ ok: false, error: { code: "SERVICE_UNAVAILABLE" } });
    // Without RealtimeKit settings the call itself still works (ringing and log are ours), with no meeting.
    const unconfigured = await kitService({ REALTIMEKIT_ORG_ID: "" }).join(as(bob.user.id), { callId });
    expect(unconfigured).toMatchObject({ ok: true, value: { call: { status: "active" } } });
    expect(unconfigured.ok && unconfigured.value.realtimekit).toBe(undefined);
  });
});
