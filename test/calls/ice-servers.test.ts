import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterAll, beforeAll, beforeEach, describe, it } from "vitest";
import { CallsService } from "../../workers/calls/src/index";
import { forgetCachedIceServers } from "../../workers/calls/src/ice/ice-servers";
import { FAKE_TURN_KEY_ID, installRealtimeFakes, type RealtimeFakes } from "../fakes/realtime-network";
import { createUser } from "../helpers/auth";
import { api } from "./helpers";

let fakes: RealtimeFakes;
beforeAll(() => {
  fakes = installRealtimeFakes();
});
afterAll(() => fakes.uninstall());
beforeEach(() => forgetCachedIceServers());

/** The real calls service with a different configuration (what another deployment would set). */
function serviceWith(overrides: Partial<Record<string, string>>): CallsService {
  return new CallsService(createExecutionContext(), { ...env, ...overrides });
}
const ctx = (userId: string) => ({ requestId: `test-${userId}`, userId });

async function hmacSha1Base64(secret: string, text: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-1" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(text)));
  return btoa(String.fromCharCode(...mac));
}

describe("GET /v1/calls/ice-servers", () => {
  it("Cloudflare Realtime TURN: short-lived credentials, cached per user while fresh", async ({ expect }) => {
    const service = serviceWith({ TURN_KEY_ID: FAKE_TURN_KEY_ID });
    const first = await service.iceServers(ctx("alice"));
    if (!first.ok) throw new Error(first.error.message);
    expect(first.value.ice_servers).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          urls: expect.arrayContaining([expect.stringMatching(/^turns?:/)]),
          username: expect.any(String),
          credential: expect.any(String),
        }),
      ]),
    );
    const expiresIn = Date.parse(first.value.expires_at) - Date.now();
    expect(expiresIn).toBeGreaterThan(3000 * 1000);
    expect(expiresIn).toBeLessThanOrEqual(3600 * 1000);
    const issued = fakes.turn.issued;
    expect(await service.iceServers(ctx("alice"))).toEqual(first);
    expect(fakes.turn.issued).toBe(issued);
    const other = await service.iceServers(ctx("bob"));
    expect(fakes.turn.issued).toBe(issued + 1);
    expect(other.ok && other.value.ice_servers).not.toEqual(first.value.ice_servers);
  });

  it("through the gateway: the configured mode (STUN only in tests), authenticated", async ({ expect }) => {
    const alice = await createUser();
    const answer = await api(alice, "GET", "/v1/calls/ice-servers");
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ ice_servers: [{ urls: ["stun:stun.cloudflare.com:3478"] }], expires_at: expect.any(String) });
    expect((await api(null, "GET", "/v1/calls/ice-servers")).status).toBe(401);
  });

  it("Cloudflare TURN failing or refusing our token answers 503, never 500", async ({ expect }) => {
    const alice = await createUser();
    fakes.turn.failNext(500);
    const down = await serviceWith({ TURN_KEY_ID: FAKE_TURN_KEY_ID }).iceServers(ctx(alice.user.id));
    expect(down).toMatchObject({ ok: false, error: { code: "SERVICE_UNAVAILABLE" } });
    const wrongToken = await serviceWith({ TURN_KEY_ID: FAKE_TURN_KEY_ID, TURN_KEY_API_TOKEN: "not-the-token" }).iceServers(ctx(alice.user.id));
    expect(wrongToken).toMatchObject({ ok: false, error: { code: "SERVICE_UNAVAILABLE" } });
    fakes.turn.dropNext();
    const unreachable = await serviceWith({ TURN_KEY_ID: FAKE_TURN_KEY_ID }).iceServers(ctx(alice.user.id));
    expect(unreachable).toMatchObject({ ok: false, error: { code: "SERVICE_UNAVAILABLE" } });
  });

  it("classic TURN REST (coturn): username expiry:user, HMAC-SHA1 credential of the shared secret", async ({ expect }) => {
    const service = serviceWith({
      TURN_KEY_ID: "",
      TURN_URLS: "turn:turn.example.com:3478?transport=udp, turns:turn.example.com:5349",
      TURN_SHARED_SECRET: "s3cret",
      TURN_CREDENTIAL_TTL_SECONDS: "600",
    });
    const result = await service.iceServers(ctx("user-1"));
    if (!result.ok) throw new Error(result.error.message);
    const turn = result.value.ice_servers.find((s) => s.username !== undefined);
    expect(turn?.urls).toEqual(["turn:turn.example.com:3478?transport=udp", "turns:turn.example.com:5349"]);
    const [expiry, user] = (turn?.username ?? "").split(":");
    expect(user).toBe("user-1");
    expect(Number(expiry) * 1000 - Date.now()).toBeGreaterThan(500 * 1000);
    expect(turn?.credential).toBe(await hmacSha1Base64("s3cret", turn?.username ?? ""));
    expect(result.value.ice_servers).toEqual(expect.arrayContaining([{ urls: ["stun:stun.cloudflare.com:3478"] }]));
  });

  it("STUN only when nothing is configured; a half-configured mode is a 503, not a silent downgrade", async ({ expect }) => {
    const stunOnly = await serviceWith({ TURN_KEY_ID: "", TURN_URLS: "" }).iceServers(ctx("user-2"));
    expect(stunOnly).toMatchObject({ ok: true, value: { ice_servers: [{ urls: ["stun:stun.cloudflare.com:3478"] }] } });
    const halfTurn = await serviceWith({ TURN_KEY_ID: "", TURN_URLS: "turn:turn.example.com:3478", TURN_SHARED_SECRET: "" }).iceServers(ctx("user-3"));
    expect(halfTurn).toMatchObject({ ok: false, error: { code: "SERVICE_UNAVAILABLE", message: expect.stringContaining("TURN_SHARED_SECRET") } });
  });

  it("health names missing production secrets (never their values)", async ({ expect }) => {
    const prod = await serviceWith({ ENVIRONMENT: "production", TURN_KEY_ID: FAKE_TURN_KEY_ID, TURN_KEY_API_TOKEN: "", REALTIME_APP_SECRET: "" }).health({
      requestId: "h",
    });
    expect(prod).toMatchObject({
      ok: true,
      value: { service: { status: "error", missing: expect.arrayContaining(["TURN_KEY_API_TOKEN", "REALTIME_APP_SECRET"]) } },
    });
    expect(JSON.stringify(prod)).not.toContain(env.REALTIMEKIT_API_KEY);
    const dev = await serviceWith({ TURN_KEY_ID: "", REALTIME_APP_ID: "" }).health({ requestId: "h" });
    expect(dev).toMatchObject({ ok: true, value: { service: { status: "ok" }, database: { status: "ok" } } });
  });
});
