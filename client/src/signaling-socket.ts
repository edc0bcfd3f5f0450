import { ManagedSocket, type SocketState, type WebSocketConstructor } from "./managed-socket";
import type { SignalingServerFrame } from "./types";

/** 4000 ended, 4001 answered on another device, 4002 left, 4401 unknown socket. */
const FINAL_CLOSE_CODES = [4000, 4001, 4002, 4401] as const;

export interface SignalingSocketOptions {
  callId: string;
  socketUrl: (query: Record<string, string>) => Promise<string>;
  WebSocket: WebSocketConstructor;
  isFatal: (error: unknown) => boolean;
  onOpen?: () => void;
  /**
   * Synchronous dispatch, so that assertNever's throw for a frame type this SDK does not know (a
   * newer server) is caught and ignored by ManagedSocket; a returned promise's failure is `onError`.
   */
  onFrame: (frame: SignalingServerFrame) => Promise<void> | undefined;
  onError: (message: string) => void;
  onState: (state: SocketState, finalCode: number | undefined) => void;
}

/**
 * The call's signaling socket, one for the whole call whatever carries the media (1:1 and group):
 * a heartbeat well inside the room's 90 s sweep, reconnects with a fresh ticket, and a final close
 * (ended, answered elsewhere, left) that stops retrying.
 */
export function signalingSocket(options: SignalingSocketOptions): ManagedSocket {
  const socket = new ManagedSocket({
    url: () => options.socketUrl({ call_id: options.callId }),
    WebSocket: options.WebSocket,
    heartbeatMs: 20_000,
    heartbeatTimeoutMs: 10_000,
    connectTimeoutMs: 10_000,
    backoff: { initialMs: 500, maxMs: 5_000 },
    finalCloseCodes: FINAL_CLOSE_CODES,
    isFatal: options.isFatal,
    onOpen: () => options.onOpen?.(),
    onFrame: (frame) => {
      options.onFrame(frame as SignalingServerFrame)?.catch((err: unknown) => options.onError(err instanceof Error ? err.message : String(err)));
    },
    onState: (state, detail) => options.onState(state, state === "closed" ? detail.code : undefined),
  });
  socket.start();
  return socket;
}
