import type { GroupCall, GroupParticipant, SecureConnectClient } from "../../client/src/index";
import { clear, errorText, h } from "./dom";
import { People } from "./people";

const STATS_EVERY_MS = 1_000;
/** Inbound audio level (0..1) above which a participant counts as speaking. */
const SPEAKING_LEVEL = 0.02;

interface Tile {
  element: HTMLElement;
  video: HTMLVideoElement;
  muted: HTMLElement;
}

/**
 * The group call of a group conversation: one tile per participant (video, name, mute state, a
 * ring while they speak), our own tile, mute/camera/leave buttons. Media goes through the SFU
 * (the SDK's GroupCall); the same `button/stage/accept/close` shape as the 1:1 call panel.
 */
export function groupCallGrid(client: SecureConnectClient, conversationId: string) {
  const people = new People(client);
  const grid = h("div", { class: "grid", testid: "call-grid" });
  const local = h("video", { testid: "local-video", attrs: { autoplay: "", playsinline: "" } });
  local.muted = true;
  const selfMuted = h("span", { class: "muted", testid: "self-muted" });
  const selfTile = h("figure", { class: "tile self", testid: "self-tile" }, local, h("figcaption", {}, "You ", selfMuted));
  const state = h("span", { testid: "call-state", text: "idle" });
  const error = h("p", { class: "error", testid: "call-error" });
  const muteAudio = h("button", { testid: "mute-audio", text: "Mute", on: { click: () => void toggle("audio") } });
  const muteVideo = h("button", { testid: "mute-video", text: "Camera off", on: { click: () => void toggle("video") } });
  const leave = h("button", { testid: "hang-up", class: "danger", text: "Leave", on: { click: () => void call?.leave() } });
  const stage = h(
    "div",
    { class: "stage", testid: "call-stage" },
    grid,
    h("p", {}, "Call: ", state),
    error,
    h("div", { class: "controls" }, muteAudio, muteVideo, leave),
  );
  stage.hidden = true;
  const button = h("button", { testid: "start-call", text: "Group call", on: { click: () => void run(null) } });
  const tiles = new Map<string, Tile>();
  let call: GroupCall | null = null;
  let stream: MediaStream | null = null;
  let statsTimer: ReturnType<typeof setInterval> | null = null;

  async function run(callId: string | null): Promise<void> {
    if (call) return;
    stage.hidden = false;
    error.textContent = "";
    state.textContent = callId ? "joining" : "ringing";
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
      local.srcObject = stream;
      const options = { localStream: stream };
      call = callId ? await client.joinGroupCall(callId, options) : await client.startGroupCall(conversationId, options);
    } catch (err) {
      error.textContent = errorText(err);
      release();
      return;
    }
    call.on("participants", render);
    call.on("connection", (s) => (state.textContent = s));
    call.on("error", (e) => (error.textContent = `${e.code}: ${e.message}`));
    call.on("ended", () => {
      state.textContent = "ended";
      release();
    });
    render(call.participants());
    statsTimer = setInterval(() => void sample(), STATS_EVERY_MS);
  }

  async function toggle(kind: "audio" | "video"): Promise<void> {
    if (!call) return;
    await call.setMuted(kind, !call.selfMuted[kind]);
    const muted = call.selfMuted;
    muteAudio.textContent = muted.audio ? "Unmute" : "Mute";
    muteVideo.textContent = muted.video ? "Camera on" : "Camera off";
    selfMuted.textContent = mutedText(muted.audio, muted.video);
  }

  function render(participants: GroupParticipant[]): void {
    for (const [userId, tile] of tiles) {
      if (participants.some((p) => p.userId === userId)) continue;
      tile.element.remove();
      tiles.delete(userId);
    }
    for (const p of participants) {
      const tile = tiles.get(p.userId) ?? addTile(p);
      if (tile.video.srcObject !== p.stream) tile.video.srcObject = p.stream;
      tile.muted.textContent = mutedText(p.audioMuted, p.videoMuted);
      tile.element.dataset.audioMuted = String(p.audioMuted);
      tile.element.dataset.videoMuted = String(p.videoMuted);
    }
  }

  function addTile(p: GroupParticipant): Tile {
    const video = h("video", { testid: "remote-video", attrs: { autoplay: "", playsinline: "" } });
    const name = h("span", { testid: "tile-name", text: "…" });
    void people.name(p.userId).then((text) => (name.textContent = text));
    const muted = h("span", { class: "muted", testid: "tile-muted" });
    const element = h("figure", { class: "tile", testid: "tile", attrs: { "data-user-id": p.userId } }, video, h("figcaption", {}, name, " ", muted));
    grid.append(element);
    const tile = { element, video, muted };
    tiles.set(p.userId, tile);
    return tile;
  }

  /** Decoded frames and audio per tile (the page's proof that media flows), and who is speaking. */
  async function sample(): Promise<void> {
    if (!call) return;
    const stats = await call.stats();
    for (const [userId, tile] of tiles) {
      const s = stats.get(userId);
      tile.element.dataset.framesDecoded = String(s?.framesDecoded ?? 0);
      tile.element.dataset.audioPackets = String(s?.audioPacketsReceived ?? 0);
      tile.element.classList.toggle("speaking", (s?.audioLevel ?? 0) > SPEAKING_LEVEL);
      tile.element.dataset.speaking = String((s?.audioLevel ?? 0) > SPEAKING_LEVEL);
    }
  }

  function release(): void {
    if (statsTimer) clearInterval(statsTimer);
    statsTimer = null;
    for (const track of stream?.getTracks() ?? []) track.stop();
    stream = null;
    call = null;
    local.srcObject = null;
    tiles.clear();
    clear(grid, selfTile);
    setTimeout(() => {
      if (!call) stage.hidden = true;
    }, 800);
  }

  clear(grid, selfTile);
  return {
    button,
    stage,
    /** Joins a call that rang (the ringer's Answer button). */
    accept: (callId: string) => void run(callId),
    close() {
      void call?.leave();
      release();
    },
  };
}

function mutedText(audio: boolean, video: boolean): string {
  return [audio ? "mic off" : "", video ? "camera off" : ""].filter(Boolean).join(" · ");
}
