/**
 * A live test socket that buffers every server frame (parsed with its contract, so a frame outside
 * it fails the test); `next` consumes the first frame of a type matching a predicate.
 */
export class FrameSocket<F extends { type: string }> {
  readonly frames: F[] = [];
  private waiters: { match: (f: F) => boolean; resolve: (f: F) => void }[] = [];
  closeCode: number | null = null;
  private closeWaiters: ((code: number) => void)[] = [];

  constructor(
    readonly ws: WebSocket,
    parse: (json: unknown) => F,
  ) {
    ws.addEventListener("message", (event) => {
      const frame = parse(JSON.parse(String(event.data)));
      const waiter = this.waiters.find((w) => w.match(frame));
      if (waiter) {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        waiter.resolve(frame);
      } else this.frames.push(frame);
    });
    ws.addEventListener("close", (event) => {
      this.closeCode = event.code;
      for (const w of this.closeWaiters) w(event.code);
    });
  }

  /** Text and binary go as they are; anything else as its JSON. */
  send(frame: unknown): void {
    this.ws.send(typeof frame === "string" || frame instanceof ArrayBuffer ? frame : JSON.stringify(frame));
  }

  next<T extends F["type"]>(type: T, match: (f: Extract<F, { type: T }>) => boolean = () => true): Promise<Extract<F, { type: T }>> {
    const test = (f: F): f is Extract<F, { type: T }> => f.type === type && match(f as Extract<F, { type: T }>);
    const index = this.frames.findIndex(test);
    if (index >= 0) {
      const [frame] = this.frames.splice(index, 1);
      return Promise.resolve(frame as Extract<F, { type: T }>);
    }
    return new Promise((resolve) => this.waiters.push({ match: test, resolve: (f) => resolve(f as Extract<F, { type: T }>) }));
  }

  closed(): Promise<number> {
    if (this.closeCode !== null) return Promise.resolve(this.closeCode);
    return new Promise((resolve) => this.closeWaiters.push(resolve));
  }

  close(): void {
    this.ws.close(1000, "done");
  }

  /** Closes and waits for the server's side of the handshake, so no work outlives the test. */
  async end(): Promise<void> {
    if (this.closeCode === null) this.close();
    await this.closed();
  }
}
