import { describe, it } from "vitest";
import { CallSession, ChatConnection, type CallJoinResponse } from "../src/index";
import { FakeSocket } from "./helpers/fake-socket";
import type { CallSessionOptions } from "../src/call-session";

async function openedSocket(): Promise<FakeSocket> {
  for (let i = 0; i < 100; i++) {
    const socket = FakeSocket.opened.at(-1);
    if (socket?.readyState === 1) return socket;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error("the fake socket never opened");
}

const timing = { heartbeatMs: 60_000, heartbeatTimeoutMs: 60_000, connectTimeoutMs: 5_000, backoff: { initialMs: 10, maxMs: 10 } };

describe("frame types this SDK does not know (a newer server) are ignored", () => {
  it("ChatConnection: no error event, and the next frame is handled", async ({ expect }) => {
    FakeSocket.opened.length = 0;
    const conn = new ChatConnection({
      conversationId: "c-1",
      selfId: () => "u-1",
      socketUrl: () => Promise.resolve("ws://fake/chat"),
      WebSocket: FakeSocket,
      isFatal: () => false,
      ...timing,
    });
    const errors: unknown[] = [];
    conn.on("error", (frame) => errors.push(frame));
    const socket = await openedSocket();
    socket.deliverAny({ type: "from_a_newer_server", x: 1 });
    const ready = conn.once("ready");
    socket.deliverAny({ type: "ready", last_seq: 3 });
    expect(await ready).toEqual({ type: "ready", last_seq: 3 });
    expect(errors).toEqual([]);
    expect(conn.state).toBe("open");
    conn.close();
  });

  it("CallSession: no error event, and the next frame is handled", async ({ expect }) => {
    FakeSocket.opened.length = 0;
    const call = {
      id: "call-1",
      conversation_id: "c-1",
      type: "audio",
      status: "ringing",
      initiator_id: "u-1",
      participants: [],
      created_at: "2026-01-01T00:00:00.000Z",
      started_at: null,
      ended_at: null,
      duration_seconds: null,
      end_reason: null,
    } satisfies CallJoinResponse["call"];
    const started: CallJoinResponse = { call, ice_servers: [] };
    let closed = false;
    // Only what the session touches before media flows.
    const pc = { addTrack: () => undefined, close: () => (closed = true) } as unknown as RTCPeerConnection;
    const options = {
      api: { calls: { initiate: () => Promise.resolve(started) } },
      selfId: "u-1",
      createPeerConnection: () => pc,
      localStream: { getTracks: () => [] },
      socketUrl: () => Promise.resolve("ws://fake/signaling"),
      WebSocket: FakeSocket,
      isFatal: () => false,
    } as unknown as CallSessionOptions;
    const session = await CallSession.start(options, "c-1", "audio");
    const errors: unknown[] = [];
    session.on("error", (e) => errors.push(e));
    const socket = await openedSocket();
    socket.deliverAny({ type: "from_a_newer_server" });
    const ended = session.once("ended");
    socket.deliverAny({ type: "call_state", status: "ended", call: { ...call, status: "ended" } });
    expect(await ended).toMatchObject({ id: "call-1", status: "ended" });
    expect(errors).toEqual([]);
    expect(closed).toBe(true);
  });
});
