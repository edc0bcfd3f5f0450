/**
 * Issue 20: production can never point at the local SFU of `npm run dev` (scripts/sfu/, plain http on
 * loopback). A loopback or plain-http REALTIME_API_BASE under production is unconfigured: health names
 * it, the SFU proxy answers 503 without calling it, Cloudflare TURN refuses it too; development may use it.
 */
import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import type { SfuRequest } from "../../lib/contracts/calls";
import { groupProvider, isLocalOrPlainHttp } from "../../workers/calls/src/config";
import { CallsService } from "../../workers/calls/src/index";
import { FAKE_TURN_KEY_ID } from "../fakes/realtime-network";
import { createUser } from "../helpers/auth";
import { api, conversationOf, initiate } from "./helpers";

const LOCAL_SFU = "http://127.0.0.1:8799/v1";
const service = (overrides: Record<string, string>) => new CallsService(createExecutionContext(), { ...env, ...overrides });

describe("production guard on REALTIME_API_BASE", () => {
  it("counts loopback, localhost, plain http and unparseable bases as local; Cloudflare's as fine", ({ expect }) => {
    for (const base of [
      LOCAL_SFU,
      "https://localhost/v1",
      "https://sfu.localhost/v1",
      "https://127.0.0.2:443/v1",
      "https://[::1]:8443/v1",
      "https://0.0.0.0/v1",
      "https://127.1/v1",
    ]) {
      expect(isLocalOrPlainHttp(base), base).toBe(true);
    }
    for (const base of ["http://rtc.example.com/v1", "ftp://rtc.example.com", "not a url", ""]) expect(isLocalOrPlainHttp(base), base).toBe(true);
    for (const base of ["https://rtc.live.cloudflare.com/v1", "https://127.example.com/v1"]) expect(isLocalOrPlainHttp(base), base).toBe(false);
  });

  it("production with the local SFU's base: health names REALTIME_API_BASE, the SFU routes answer 503 naming it", async ({ expect }) => {
    const { users, conversationId } = await conversationOf(3);
    const [alice] = users;
    if (!alice) throw new Error("users");
    const { id } = await initiate(alice, conversationId, { type: "video" });
    const prod = service({ ENVIRONMENT: "production", REALTIME_API_BASE: LOCAL_SFU });

    const health = await prod.health({ requestId: "guard" });
    expect(health).toMatchObject({ ok: true, value: { service: { status: "error", missing: expect.arrayContaining(["REALTIME_API_BASE"]) } } });

    const refused = await prod.sfu({ requestId: "guard", userId: alice.user.id }, { action: "new_session", callId: id, body: {} });
    expect(refused).toMatchObject({ ok: false, error: { code: "SERVICE_UNAVAILABLE", message: expect.stringContaining("REALTIME_API_BASE") } });

    // Cloudflare TURN shares the API base: it refuses the local one in production as well.
    const turn = await service({ ENVIRONMENT: "production", REALTIME_API_BASE: LOCAL_SFU, TURN_KEY_ID: FAKE_TURN_KEY_ID }).iceServers({
      requestId: "guard",
      userId: alice.user.id,
    });
    expect(turn).toMatchObject({ ok: false, error: { code: "SERVICE_UNAVAILABLE", message: expect.stringContaining("REALTIME_API_BASE") } });
  });

  it("development uses the local SFU's base; production keeps an https Cloudflare base", ({ expect }) => {
    expect(groupProvider({ ...env, ENVIRONMENT: "development", REALTIME_API_BASE: LOCAL_SFU })).toMatchObject({ kind: "sfu", apiBase: LOCAL_SFU });
    expect(groupProvider({ ...env, ENVIRONMENT: "production", REALTIME_API_BASE: "https://rtc.live.cloudflare.com/v1" })).toMatchObject({ kind: "sfu" });
    expect(groupProvider({ ...env, ENVIRONMENT: "production", REALTIME_API_BASE: "http://rtc.live.cloudflare.com/v1" })).toMatchObject({
      kind: "unconfigured",
      missing: ["REALTIME_API_BASE"],
    });
  });

  it("an outsider gets 404 from every SFU route before any configuration check", async ({ expect }) => {
    const { users, conversationId } = await conversationOf(3);
    const [alice] = users;
    if (!alice) throw new Error("users");
    const { id } = await initiate(alice, conversationId, { type: "video" });
    const outsider = await createUser();
    const sid = "a".repeat(32);
    const routes: [string, string, unknown][] = [
      ["POST", `/v1/calls/${id}/sfu/sessions`, {}],
      ["POST", `/v1/calls/${id}/sfu/sessions/${sid}/tracks`, { tracks: [{ location: "local", mid: "0", trackName: "x" }] }],
      ["PUT", `/v1/calls/${id}/sfu/sessions/${sid}/renegotiate`, { sessionDescription: { type: "answer", sdp: "v=0" } }],
      ["PUT", `/v1/calls/${id}/sfu/sessions/${sid}/tracks/close`, { tracks: [{ mid: "0" }], force: true }],
    ];
    for (const [method, path, body] of routes) {
      const answer = await api(outsider, method, path, body);
      expect(answer.status, `${method} ${path}`).toBe(404);
      expect(answer.body.error?.code).toBe("NOT_FOUND");
    }
    // The same through the calls service with the SFU unconfigured (production, local base): still 404, not 503.
    const prod = service({ ENVIRONMENT: "production", REALTIME_API_BASE: LOCAL_SFU });
    const rpc = { requestId: "guard", userId: outsider.user.id };
    const inputs: SfuRequest[] = [
      { action: "new_session", callId: id, body: {} },
      { action: "new_tracks", callId: id, sessionId: sid, body: { tracks: [{ location: "local", mid: "0", trackName: "x" }] } },
      { action: "renegotiate", callId: id, sessionId: sid, body: { sessionDescription: { type: "answer", sdp: "v=0" } } },
      { action: "close_tracks", callId: id, sessionId: sid, body: { tracks: [{ mid: "0" }], force: true } },
    ];
    for (const input of inputs) expect(await prod.sfu(rpc, input), input.action).toMatchObject({ ok: false, error: { code: "NOT_FOUND" } });
  });
});
