import { describe, it } from "vitest";
import { detailLine, PROFILES, runSoak, summaryLine, verdict } from "./soak-run";
import { checkRoom } from "./verify";

const profileName = process.env.SOAK_PROFILE === "full" ? "full" : "small";
const profile = PROFILES[profileName];
const say = (line: string) => process.stdout.write(`${line}\n`);

describe("soak checks (pure)", () => {
  it("counts a missing ack, a repeat and a step back on the SDK level, and raw repeats separately", ({ expect }) => {
    const history = [1, 2, 3, 4].map((seq) => ({ seq, client_id: `c${seq}` }));
    const acked = new Map(history.map((m) => [m.client_id, m.seq]));
    const delivered = (seqs: number[]) => seqs.map((seq) => ({ seq, client_id: `c${seq}` }));
    const counts = checkRoom({
      acked,
      history,
      members: [
        { delivered: delivered([1, 2, 3, 4]), raw: [1, 2, 2, 3, 4] },
        { delivered: delivered([1, 3, 2, 4, 4]), raw: [1, 3, 2, 4, 4] },
        { delivered: delivered([1, 2, 4]), raw: [1, 2, 4] },
      ],
    });
    expect(counts).toMatchObject({ acked: 4, deliveries: 12, lost: 1, doubled: 1, reordered: 1, unexpected: 0, rawDoubled: 2, rawReordered: 1 });
  });

  it("an ack whose seq holds another message in history is a loss; a client_id stored twice is a double", ({ expect }) => {
    const history = [
      { seq: 1, client_id: "a" },
      { seq: 2, client_id: "a" },
    ];
    const counts = checkRoom({ acked: new Map([["b", 1]]), history, members: [] });
    expect(counts).toMatchObject({ lost: 1, doubled: 1, unexpected: 1 });
  });
});

describe(`soak (${profileName}: ${profile.rooms} rooms × ${profile.membersPerRoom} members, ≥ ${profile.minDisconnects} cuts, ${profile.restarts} restarts)`, () => {
  it("every acknowledged message reaches every member exactly once, in seq order, and is in history", async ({ expect }) => {
    const report = await runSoak(profile, say);
    say(summaryLine(report));
    say(detailLine(report));
    expect(verdict(report, profile)).toEqual([]);
    expect(report.acked).toBeGreaterThan(0);
    expect(report.deliveries).toBe(report.acked * profile.membersPerRoom);
  });
});
