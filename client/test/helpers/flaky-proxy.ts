import { createServer, connect, type Server, type Socket } from "node:net";

type Dropping = "nothing" | "both" | "downstream";

/**
 * A TCP proxy in front of the stack that misbehaves on demand: `cut()` resets every open connection
 * (as a lost network does: no close frame), `blackhole()` keeps connections open but drops every
 * byte (a dead route the client only notices through its heartbeat), `dropAnswers()` loses only what the
 * server sends, `heal()` goes back to normal.
 */
export class FlakyProxy {
  private readonly pairs = new Set<[Socket, Socket]>();
  private dropping: Dropping = "nothing";
  private constructor(private readonly server: Server, readonly url: string) {}

  static async start(target: string): Promise<FlakyProxy> {
    const { hostname, port } = new URL(target);
    let proxy: FlakyProxy | null = null;
    const server = createServer((client) => {
      const upstream = connect(Number(port), hostname);
      const pair: [Socket, Socket] = [client, upstream];
      proxy?.pairs.add(pair);
      const forward = (from: Socket, to: Socket, dropWhen: Dropping[]) =>
        from.on("data", (chunk) => {
          if (proxy && !dropWhen.includes(proxy.dropping)) to.write(chunk);
        });
      forward(client, upstream, ["both"]);
      forward(upstream, client, ["both", "downstream"]);
      const end = () => {
        proxy?.pairs.delete(pair);
        client.destroy();
        upstream.destroy();
      };
      client.on("error", end).on("close", end);
      upstream.on("error", end).on("close", end);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    const listenPort = typeof address === "object" && address ? address.port : 0;
    proxy = new FlakyProxy(server, `http://127.0.0.1:${listenPort}`);
    return proxy;
  }

  get openConnections(): number {
    return this.pairs.size;
  }

  cut(): void {
    for (const [client, upstream] of this.pairs) {
      client.resetAndDestroy();
      upstream.destroy();
    }
    this.pairs.clear();
  }

  blackhole(): void {
    this.dropping = "both";
  }

  /** Requests still reach the server, answers are lost (e.g. acks of stored messages). */
  dropAnswers(): void {
    this.dropping = "downstream";
  }

  heal(): void {
    this.dropping = "nothing";
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
