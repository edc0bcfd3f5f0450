/** Completes a WebSocket's close handshake from a hibernating handler (1005/1006 are not sendable codes). */
export function completeClose(ws: WebSocket, code: number, reason: string): void {
  try {
    ws.close(code === 1005 || code === 1006 ? 1000 : code, reason);
  } catch {
    // Already closed.
  }
}
