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

  it("a new subscriber's video: the SFU asks the publisher for a key frame until one reaches it, and passes subscribers' PLIs on, throttled", async () => {
    const alice = new Endpoint(api);
    const bob = new Endpoint(api);
    await alice.open();
    await bob.open();
    const { tracks } = await alice.publish({ audio: "mic", video: "cam" });
    // Alice answers a PLI with a key frame only once `answering`; until then her video is delta frames only.
    let answering = false;
    let answered = 0;
    const keyFrame = () => {
      if (!answering || alice.plisReceived <= answered) return false;
      answered = alice.plisReceived;
      return true;
    };
    const stopPump = pump(tracks, keyFrame);
    const before = await stats();
    const packetsLater = async (n: number) => {
      const target = bob.received.video + n;
      await until(() => bob.received.video >= target, `${n} more video packets at bob`);
    };
    try {
      expect(alice.plisReceived, "nobody pulls yet: nobody asks").toBe(0);
      await bob.pull([{ sessionId: alice.sessionId, trackName: "cam" }]);
      await until(() => bob.received.video > 0, "bob to receive alice's video");
      // One request can be lost or ignored (Chromium ignores a second within 300 ms): the SFU asks again while bob only gets delta frames.
      await until(() => alice.plisReceived >= 4, "the SFU to keep asking alice while bob has no key frame");
      expect(bob.keyFramesReceived).toBe(0);

      answering = true;
      await until(() => bob.keyFramesReceived >= 1, "a key frame at bob");
      expect((await stats()).key_frames_delivered - before.key_frames_delivered).toBeGreaterThanOrEqual(1);
      // Once bob has his key frame the SFU stops asking (one trailing request may still have been due).
      const settled = alice.plisReceived;
      await packetsLater(100);
      expect(alice.plisReceived - settled).toBeLessThanOrEqual(1);

      // Bob loses a frame and asks five times at once: alice hears it, at most once now and once trailing.
      const asked = alice.plisReceived;
      const heard = (await stats()).plis_received;
      for (let i = 0; i < 5; i++) await bob.sendPli();
      await until(() => alice.plisReceived > asked, "bob's PLI to reach alice");
      await packetsLater(100);
      expect(alice.plisReceived - asked).toBeLessThanOrEqual(2);
      const after = await stats();
      expect(after.plis_received - heard).toBe(5);
      expect(after.plis_sent - before.plis_sent).toBeGreaterThanOrEqual(alice.plisReceived);
    } finally {
      stopPump();
      await alice.close();
      await bob.close();
    }
  });
});
