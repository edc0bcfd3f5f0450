import { afterAll, afterEach, beforeAll, describe, inject, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { sfuStatsSchema } from "../scripts/sfu/shapes";
import { colouredCamera, describeConnections, sampleTiles, selectedPair, type TileSample } from "./group-call-page";
import { apiFrom, launch, shot, signUp, whoAmI, type Person } from "./helpers";

const sfuUrl = inject("sfuUrl");

const COLOURS = { alice: [220, 40, 40], bob: [40, 190, 60], carol: [40, 80, 220] } as const;
type Name = keyof typeof COLOURS;
const NAMES = Object.keys(COLOURS) as Name[];

function nearest(rgb: readonly number[]): Name {
  const distance = (c: readonly number[]) => c.reduce((sum, v, i) => sum + (v - (rgb[i] ?? 0)) ** 2, 0);
  return NAMES.reduce((best, name) => (distance(COLOURS[name]) < distance(COLOURS[best]) ? name : best));
}

async function sfuCounts(): Promise<{ publishers: number; video: number; audio: number }> {
  if (!sfuUrl) throw new Error("the stack runs no local SFU");
  const s = sfuStatsSchema.parse(await (await fetch(`${sfuUrl}/stats`)).json());
  return { publishers: s.publishers, video: s.forwarded_tracks.video, audio: s.forwarded_tracks.audio };
}

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
  let browser: Browser;
  const people = {} as Record<Name, Person>;
  const ids = {} as Record<Name, string>;
  let aliceToken = "";

  beforeAll(async () => {
    browser = await launch();
    for (const name of NAMES) {
      people[name] = await signUp(browser, name[0]?.toUpperCase() + name.slice(1), colouredCamera(COLOURS[name]));
      const me = await whoAmI(people[name].page);
      ids[name] = me.id;
      if (name === "alice") aliceToken = me.token;
    }
  });

  afterAll(async () => {
    await browser?.close();
  });

  afterEach(async ({ task }) => {
    if (task.result?.state !== "fail") return;
    for (const [name, person] of Object.entries(people)) {
      await shot(person.page, `failed-recovery-${name}`);
      console.error(name, JSON.stringify(await describeConnections(person.page)), JSON.stringify(await sampleTiles(person.page)), person.errors);
    }
    console.error("sfu", JSON.stringify(await sfuCounts()));
  });

  /** Every page shows the two others by colour, each tile's decoded frames above `floor` (its earlier count, if given). */
  function allSeeAll(tiles: Record<Name, TileSample[]>, floor?: Record<Name, TileSample[]>): boolean {
    return NAMES.every((who) => {
      const others = NAMES.filter((o) => o !== who);
      return (
        tiles[who].length === others.length &&
        others.every((o) =>
          tiles[who].some((t) => {
            const before = floor?.[who].find((b) => b.userId === t.userId)?.framesDecoded ?? 5;
            return t.userId === ids[o] && t.framesDecoded > before && t.audioPackets > 5 && nearest(t.rgb) === o;
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
    const created = await apiFrom(page, aliceToken, "POST", "/v1/conversations", { type: "group", name: "Recovery", member_ids: [ids.bob, ids.carol] });
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
