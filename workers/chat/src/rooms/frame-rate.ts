/**
 * Client frames per socket, for the conversation room and the device stream alike: a token bucket
 * per socket. It lives in memory, so hibernation refills it, which is harmless (a hibernated socket
 * has been idle).
 */
export const FRAME_RATE = {
  /** Sustained frames per second per socket. */
  perSecond: 100,
  /** Burst capacity. */
  burst: 200,
} as const;

type Bucket = { tokens: number; at: number };

export class FrameBuckets {
  private readonly buckets = new WeakMap<WebSocket, Bucket>();

  /** False when the socket is over its frame rate. */
  take(socket: WebSocket, now = Date.now()): boolean {
    const bucket = this.buckets.get(socket) ?? { tokens: FRAME_RATE.burst, at: now };
    bucket.tokens = Math.min(FRAME_RATE.burst, bucket.tokens + ((now - bucket.at) / 1000) * FRAME_RATE.perSecond);
    bucket.at = now;
    const allowed = bucket.tokens >= 1;
    if (allowed) bucket.tokens -= 1;
    this.buckets.set(socket, bucket);
    return allowed;
  }
}
