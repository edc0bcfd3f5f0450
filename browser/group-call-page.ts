import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, inject } from "vitest";
import { sfuStatsSchema } from "../scripts/sfu/shapes";
import { launch, shot, signUp, whoAmI, type Person } from "./helpers";

type Rgb = readonly [number, number, number];

export const sfuUrl = inject("sfuUrl");

/**
 * Test instrumentation for the group call proof, injected before the app (nothing of it ships):
 * a camera of one solid colour (a canvas capture with a moving mark, so the encoder keeps sending)
 * with the fake device's microphone, and every RTCPeerConnection kept on `window.__pcs`.
 */
export function colouredCamera(rgb: readonly [number, number, number]): string {
  return `(() => {
    const pcs = [];
    const Native = window.RTCPeerConnection;
    window.RTCPeerConnection = class extends Native { constructor(...args) { super(...args); pcs.push(this); } };
    window.__pcs = pcs;
    const original = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
    navigator.mediaDevices.getUserMedia = async () => {
      const mic = await original({ audio: true });
      const canvas = document.createElement("canvas");
      canvas.width = 160;
      canvas.height = 120;
      const ctx = canvas.getContext("2d");
      let n = 0;
      setInterval(() => {
        ctx.fillStyle = "rgb(${rgb.join(",")})";
        ctx.fillRect(0, 0, 160, 120);
        ctx.fillStyle = "#000";
        ctx.fillRect((n++ * 4) % 160, 0, 4, 10);
      }, 100);
      return new MediaStream([...mic.getAudioTracks(), ...canvas.captureStream(10).getVideoTracks()]);
    };
  })();`;
}

export interface TileSample {
  userId: string;
  framesDecoded: number;
  audioPackets: number;
  audioMuted: boolean;
  /** The colour in the lower middle of the tile's video (below the moving mark). */
  rgb: [number, number, number];
}

/** Every remote tile of the page: stats the app shows and the colour its video shows. */
export function sampleTiles(page: Page): Promise<TileSample[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>("[data-testid=tile]")].map((tile) => {
      const video = tile.querySelector("video");
      const canvas = document.createElement("canvas");
      canvas.width = 32;
      canvas.height = 24;
      const ctx = canvas.getContext("2d");
      let rgb: [number, number, number] = [0, 0, 0];
      if (video && ctx && video.videoWidth > 0) {
        ctx.drawImage(video, 0, 0, 32, 24);
        const [r = 0, g = 0, b = 0] = ctx.getImageData(16, 18, 1, 1).data;
        rgb = [r, g, b];
      }
      return {
        userId: tile.dataset.userId ?? "",
        framesDecoded: Number(tile.dataset.framesDecoded ?? 0),
        audioPackets: Number(tile.dataset.audioPackets ?? 0),
        audioMuted: tile.dataset.audioMuted === "true",
        rgb,
      };
    }),
  );
}

/** The selected ICE candidate pair of the page's connected peer connection: both ends' address:port. */
export function selectedPair(page: Page): Promise<{ local: string; remote: string } | null> {
  return page.evaluate(async () => {
    const pcs = (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs;
    const pc = pcs.find((p) => p.connectionState === "connected");
    if (!pc) return null;
    const stats = new Map<string, Record<string, unknown>>();
    (await pc.getStats()).forEach((s: Record<string, unknown> & { id: string }) => stats.set(s.id, s));
    const transport = [...stats.values()].find((s) => s.type === "transport" && typeof s.selectedCandidatePairId === "string");
    const pair = stats.get(String(transport?.selectedCandidatePairId));
    const end = (id: unknown) => {
      const c = stats.get(String(id));
      return `${String(c?.address ?? c?.ip)}:${String(c?.port)}`;
    };
    return pair ? { local: end(pair.localCandidateId), remote: end(pair.remoteCandidateId) } : null;
  });
}

/** What the page's peer connections look like (printed when a step fails): transceivers and inbound streams. */
export function describeConnections(page: Page): Promise<unknown> {
  return page.evaluate(async () => {
    const pcs = (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs;
    return Promise.all(
      pcs.map(async (pc) => {
        const inbound: unknown[] = [];
        (await pc.getStats()).forEach((s: Record<string, unknown>) => {
          if (s.type === "inbound-rtp") inbound.push({ kind: s.kind, mid: s.mid, packets: s.packetsReceived, frames: s.framesDecoded });
        });
        return {
          state: pc.connectionState,
          signaling: pc.signalingState,
          transceivers: pc
            .getTransceivers()
            .map((t) => ({ mid: t.mid, direction: t.direction, current: t.currentDirection, track: t.receiver.track.readyState })),
          inbound,
        };
      }),
    );
  });
}

/** The local SFU's counters: publishing sessions, and tracks it forwards by kind. */
export async function sfuCounts(): Promise<{ publishers: number; video: number; audio: number }> {
  if (!sfuUrl) throw new Error("the stack runs no local SFU");
  const s = sfuStatsSchema.parse(await (await fetch(`${sfuUrl}/stats`)).json());
  return { publishers: s.publishers, video: s.forwarded_tracks.video, audio: s.forwarded_tracks.audio };
}

/** Whose camera colour `rgb` is closest to. */
export function nearestColour<N extends string>(colours: Record<N, Rgb>, rgb: readonly number[]): N {
  const names = Object.keys(colours) as N[];
  const distance = (c: Rgb) => c.reduce((sum, v, i) => sum + (v - (rgb[i] ?? 0)) ** 2, 0);
  return names.reduce((best, name) => (distance(colours[name]) < distance(colours[best]) ? name : best));
}

/** A group call story's people: each in their own browser profile, with their user id and API token. */
export interface Cast<N extends string> {
  people: Record<N, Person>;
  ids: Record<N, string>;
  tokens: Record<N, string>;
}

/**
 * Signs up one person per colour (a camera of that colour each) before the describe block's tests,
 * closes the browser after them, and when a test fails keeps each page's screenshot (`failed-<label>-<name>`)
 * and prints its connections, tiles and errors and the SFU's counters. Call inside `describe`.
 */
export function groupCallCast<N extends string>(colours: Record<N, Rgb>, label: string): Cast<N> {
  let browser: Browser | undefined;
  const cast: Cast<N> = { people: {} as Record<N, Person>, ids: {} as Record<N, string>, tokens: {} as Record<N, string> };
  beforeAll(async () => {
    browser = await launch();
    for (const name of Object.keys(colours) as N[]) {
      cast.people[name] = await signUp(browser, name[0]?.toUpperCase() + name.slice(1), colouredCamera(colours[name]));
      const me = await whoAmI(cast.people[name].page);
      cast.ids[name] = me.id;
      cast.tokens[name] = me.token;
    }
  });
  afterAll(async () => {
    await browser?.close();
  });
  afterEach(async ({ task }) => {
    if (task.result?.state !== "fail") return;
    for (const [name, person] of Object.entries<Person>(cast.people)) {
      await shot(person.page, `failed-${label}-${name}`);
      console.error(name, JSON.stringify(await describeConnections(person.page)), JSON.stringify(await sampleTiles(person.page)), person.errors);
    }
    console.error("sfu", JSON.stringify(await sfuCounts()));
  });
  return cast;
}
