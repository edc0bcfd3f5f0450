import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalSfuProcess } from "../../lib/local-sfu.mjs";
import type { SfuStats } from "../shapes";
import { Endpoint, pump, startTestSfu, until, type SfuApi } from "./endpoint";

let sfu: LocalSfuProcess;
let api: SfuApi;
let stats: () => Promise<SfuStats>;

beforeAll(async () => {
  ({ sfu, api, stats } = await startTestSfu());
});
afterAll(() => sfu.stop());

describe("local SFU: publish and pull through the Cloudflare-shaped API", () => {
  it("forwards a publisher's audio and video to a second session that pulls them", async () => {
    const alice = new Endpoint(api);
    const bob = new Endpoint(api);
    await alice.open();
    await bob.open();
    const published = await alice.publish({ audio: "alice-mic", video: "alice-cam" });
    expect(published.answer).toMatchObject({
      requiresImmediateRenegotiation: false,
      sessionDescription: { type: "answer" },
      tracks: [
        { location: "local", trackName: "alice-mic", sessionId: alice.sessionId },
        { location: "local", trackName: "alice-cam", sessionId: alice.sessionId },
      ],
    });
    const stopPump = pump(published.tracks);
    try {
      const pulled = await bob.pull([
        { sessionId: alice.sessionId, trackName: "alice-mic" },
        { sessionId: alice.sessionId, trackName: "alice-cam" },
      ]);
      expect(pulled).toMatchObject({
        requiresImmediateRenegotiation: true,
        sessionDescription: { type: "offer" },
        tracks: [
          { location: "remote", trackName: "alice-mic", sessionId: alice.sessionId, mid: expect.any(String) },
          { location: "remote", trackName: "alice-cam", sessionId: alice.sessionId, mid: expect.any(String) },
        ],
      });
      await until(() => bob.received.audio > 10 && bob.received.video > 10, "bob to receive alice's audio and video");
      expect(await stats()).toMatchObject({ publishers: 1, published_tracks: { audio: 1, video: 1 }, forwarded_tracks: { audio: 1, video: 1 } });
      expect((await stats()).packets_forwarded.video).toBeGreaterThan(10);
    } finally {
      stopPump();
      await alice.close();
      await bob.close();
    }
  });
});
