import type { Page } from "playwright-core";

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
