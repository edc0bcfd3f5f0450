/**
 * Issue 20: group call media through the real stack with no network. `npm run dev` (here via the
 * e2e global setup) starts the local SFU (scripts/sfu/) and points the calls worker at it; two
 * participants then publish and pull through our proxy routes (/v1/calls/{id}/sfu/...), and the
 * RTP really flows through the SFU between two werift endpoints on loopback.
 */
import { inject } from "vitest";
import { describe, expect, it } from "vitest";
import { sfuStatsSchema } from "../scripts/sfu/shapes";
import { Endpoint, GATEWAY_ROUTES, SfuApi, pump, until } from "../scripts/sfu/test/endpoint";
import { api, base, register, type E2eUser } from "./client";

const sfuUrl = inject("sfuUrl");

async function groupCall(): Promise<{ callId: string; users: E2eUser[] }> {
  const users = [await register(), await register(), await register()];
  const [alice, bob, carol] = users;
  if (!alice || !bob || !carol) throw new Error("users");
  const conv = await api<{ conversation: { id: string } }>(
    "POST",
    "/v1/conversations",
    { type: "group", name: "sfu e2e", member_ids: [bob.id, carol.id] },
    alice.headers,
  );
  const started = await api<{ call: { id: string } }>(
    "POST",
    "/v1/calls/initiate",
    { conversation_id: conv.body.conversation.id, type: "video" },
    alice.headers,
  );
  if (started.status !== 201) throw new Error(`initiate answered ${started.status}`);
  const callId = started.body.call.id;
  expect((await api("POST", `/v1/calls/${callId}/join`, undefined, bob.headers)).status).toBe(200);
  return { callId, users };
}

const proxyOf = (callId: string, user: E2eUser) => new SfuApi(`${base}/v1/calls/${callId}/sfu`, user.headers, GATEWAY_ROUTES);

describe("the calls worker's SFU proxy against the local SFU", () => {
  it("npm run dev runs the local SFU", async () => {
    expect(sfuUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const health = await api<{ services: Record<string, { status: string }> }>("GET", "/v1/health");
    expect(JSON.stringify(health.body)).not.toContain("REALTIME_API_BASE");
  });

  it("a session, a publication and a pull by another participant carry media, with no network", async () => {
    const { callId, users } = await groupCall();
    const [alice, bob, carol] = users;
    if (!alice || !bob || !carol || !sfuUrl) throw new Error("fixture");
    const before = sfuStatsSchema.parse(await (await fetch(`${sfuUrl}/stats`)).json());
    const publisher = new Endpoint(proxyOf(callId, alice));
    const subscriber = new Endpoint(proxyOf(callId, bob));
    await publisher.open();
    await subscriber.open();
    const { tracks } = await publisher.publish({ audio: "alice-mic", video: "alice-cam" });
    const stopPump = pump(tracks);
    try {
      const pulled = await subscriber.pull([
        { sessionId: publisher.sessionId, trackName: "alice-mic" },
        { sessionId: publisher.sessionId, trackName: "alice-cam" },
      ]);
      expect(pulled).toMatchObject({ requiresImmediateRenegotiation: true, tracks: [{ trackName: "alice-mic" }, { trackName: "alice-cam" }] });
      await until(() => subscriber.received.audio > 10 && subscriber.received.video > 10, "bob to receive alice's media through the SFU");
      const after = sfuStatsSchema.parse(await (await fetch(`${sfuUrl}/stats`)).json());
      expect(after.packets_forwarded.video - before.packets_forwarded.video).toBeGreaterThan(10);
      expect(after.forwarded_tracks.video).toBeGreaterThanOrEqual(1);

      // Carol is invited but has not joined: the proxy refuses her before the SFU sees anything.
      const outsiderPull = await proxyOf(callId, carol).call("POST", GATEWAY_ROUTES.newSession, {});
      expect(outsiderPull.status).toBe(403);
    } finally {
      stopPump();
      await publisher.close();
      await subscriber.close();
    }
  });
});
