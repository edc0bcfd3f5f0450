import { describe, it } from "vitest";
import type { Page } from "playwright-core";
import { groupCallCast, nearestColour, sampleTiles, selectedPair, sfuCounts, sfuUrl, type TileSample } from "./group-call-page";
import { apiFrom, shot } from "./helpers";

const COLOURS = { alice: [220, 40, 40], bob: [40, 190, 60], carol: [40, 80, 220] } as const;
type Name = keyof typeof COLOURS;
const NAMES = Object.keys(COLOURS) as Name[];

/** The number of peer connections the page made and the state of its newest one. */
function newestConnection(page: Page): Promise<{ count: number; state: string }> {
  return page.evaluate(() => {
    const pcs = (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs;
    return { count: pcs.length, state: pcs.at(-1)?.connectionState ?? "none" };
  });
}

/**
 * Recovery of a group call whose media connection dropped: the local SFU loses alice's session (as
 * Cloudflare does when a client's path dies), her browser's connection fails, and the SDK makes a
 * new session that publishes again and pulls again; bob and carol learn the new session through track
 * discovery and pull it. Everyone sees and hears everyone again.
 */
describe("a group call recovers from a dropped media connection", () => {
  const { people, ids, tokens } = groupCallCast(COLOURS, "recovery");

  /** Every page shows the two others by colour, each tile's decoded frames above `floor` (its earlier count, if given). */
  function allSeeAll(tiles: Record<Name, TileSample[]>, floor?: Record<Name, TileSample[]>): boolean {
    return NAMES.every((who) => {
      const others = NAMES.filter((o) => o !== who);
      return (
        tiles[who].length === others.length &&
        others.every((o) =>
          tiles[who].some((t) => {
            const before = floor?.[who].find((b) => b.userId === t.userId)?.framesDecoded ?? 5;
            return t.userId === ids[o] && t.framesDecoded > before && t.audioPackets > 5 && nearestColour(COLOURS, t.rgb) === o;
          }),
        )
      );
    });
  }

  async function sample(): Promise<Record<Name, TileSample[]>> {
    const [alice, bob, carol] = await Promise.all(NAMES.map((n) => sampleTiles(people[n].page)));
    return { alice: alice ?? [], bob: bob ?? [], carol: carol ?? [] };
  }

  it("the SFU drops alice's session: her SDK makes a new one, the others pull it, and media flows both ways again", async ({ expect }) => {
    const { page } = people.alice;
    const created = await apiFrom(page, tokens.alice, "POST", "/v1/conversations", { type: "group", name: "Recovery", member_ids: [ids.bob, ids.carol] });
    expect(created.status).toBe(201);
    await page.getByTestId("conversation").filter({ hasText: "Recovery" }).click();
    await page.getByTestId("start-call").filter({ hasText: "Group call" }).click();
    for (const name of ["bob", "carol"] as const) await people[name].page.getByTestId("accept-call").click();
    await expect.poll(async () => allSeeAll(await sample()), { timeout: 60_000 }).toBe(true);
    await expect.poll(sfuCounts, { timeout: 30_000 }).toEqual({ publishers: 3, video: 6, audio: 6 });
    expect((await newestConnection(page)).count).toBe(1);

    // The SFU end of alice's selected candidate pair names her session there; the SFU drops it.
    const pair = await selectedPair(page);
    const port = Number(pair?.remote.split(":").at(-1));
    const dropped = await fetch(`${sfuUrl ?? ""}/test/drop-session`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ port }),
    });
    expect(dropped.status).toBe(200);
    expect(await sfuCounts()).toEqual({ publishers: 2, video: 2, audio: 2 });
    const frozen = await sample();

    // Chromium declares the connection failed (~15 s without ICE answers); the SDK connects a second one.
    await expect.poll(() => newestConnection(page), { timeout: 60_000 }).toEqual({ count: 2, state: "connected" });
    // Alice publishes on her new session and pulls both others; both others pull her new session.
    await expect.poll(sfuCounts, { timeout: 45_000 }).toEqual({ publishers: 3, video: 6, audio: 6 });
    // And every tile decodes beyond where it froze: alice's tiles on her new connection, the others' tiles of alice from her new session.
    await expect.poll(async () => allSeeAll(await sample(), frozen), { timeout: 45_000 }).toBe(true);
    for (const who of NAMES) await shot(people[who].page, `group-recovered-${who}`);
    for (const who of NAMES) expect(people[who].errors.filter((e) => e.startsWith("pageerror"))).toEqual([]);
  });
});
