import type { CallSession, SecureConnectClient } from "../../client/src/index";
import { errorText, h } from "./dom";

const STATS_EVERY_MS = 1_000;

/**
 * The 1:1 video call of a conversation: a call button and the stage with both videos, the connection
 * state and decoded frames. Rings are shown app-wide by call-ringer.ts (the device stream), which
 * hands an answered call to `accept`.
 */
export function callPanel(client: SecureConnectClient, conversationId: string, onActive: (active: boolean) => void) {
  const local = h("video", { testid: "local-video", attrs: { autoplay: "", playsinline: "", "aria-label": "Your camera" } });
  local.muted = true;
  const remote = h("video", { testid: "remote-video", attrs: { autoplay: "", playsinline: "", "aria-label": "The other person's video" } });
  const state = h("span", { testid: "call-state", text: "idle" });
  const frames = h("span", { testid: "frames-decoded", text: "0" });
  const error = h("p", { class: "error", testid: "call-error" });
  const hangUp = h("button", { testid: "hang-up", class: "danger", text: "Hang up", on: { click: () => void session?.hangUp() } });
  const stage = h(
    "section",
    { class: "stage", testid: "call-stage", attrs: { "aria-label": "Call" } },
    h("div", { class: "videos" }, remote, local),
    h("p", {}, "Call: ", state, " · frames decoded: ", frames),
    error,
    hangUp,
  );
  stage.hidden = true;
  const button = h("button", { testid: "start-call", text: "Video call", on: { click: () => void run(null) } });
  let session: CallSession | null = null;
  let stream: MediaStream | null = null;
  let statsTimer: ReturnType<typeof setInterval> | null = null;

  /** Starts a call (callId null) or accepts a ringing one. */
  async function run(callId: string | null): Promise<void> {
    if (session) return;
    stage.hidden = false;
    onActive(true);
    error.textContent = "";
    state.textContent = callId ? "joining" : "ringing";
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
      local.srcObject = stream;
      session = callId ? await client.acceptCall(callId, { localStream: stream }) : await client.startCall(conversationId, { localStream: stream });
    } catch (err) {
      error.textContent = errorText(err);
      release();
      return;
    }
    session.on("remoteStream", (remoteStream) => (remote.srcObject = remoteStream));
    session.on("connection", (s) => (state.textContent = s));
    session.on("error", (e) => (error.textContent = `${e.code}: ${e.message}`));
    session.on("ended", () => {
      state.textContent = "ended";
      release();
    });
    statsTimer = setInterval(() => void countFrames(), STATS_EVERY_MS);
  }

  async function countFrames(): Promise<void> {
    if (!session) return;
    let decoded = 0;
    (await session.pc.getStats()).forEach((report: { type?: string; kind?: string; framesDecoded?: number }) => {
      if (report.type === "inbound-rtp" && report.kind === "video") decoded += report.framesDecoded ?? 0;
    });
    frames.textContent = String(decoded);
  }

  function release(): void {
    if (statsTimer) clearInterval(statsTimer);
    statsTimer = null;
    for (const track of stream?.getTracks() ?? []) track.stop();
    stream = null;
    session = null;
    local.srcObject = null;
    remote.srcObject = null;
    hangUp.hidden = true;
    setTimeout(() => {
      hangUp.hidden = false;
      if (session) return;
      stage.hidden = true;
      onActive(false);
    }, 800);
  }

  return {
    button,
    stage,
    /** Answers a call that rang (the ringer's Answer button). */
    accept: (callId: string) => void run(callId),
    close() {
      void session?.hangUp();
      release();
    },
  };
}
