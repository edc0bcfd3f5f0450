// A TCP proxy in front of a local stack that misbehaves on demand, the way a bad network does.
// Shared by the client SDK suite (client/test) and the soak (soak/), both in Node.
import { connect, createServer } from "node:net";

const UPGRADE_REQUEST = /\r\nupgrade:\s*websocket\r\n/i;
const SWITCHING_PROTOCOLS = /^HTTP\/1\.1 101 /;

/**
 * `cut()` resets every open connection (as a lost network does: no close frame), `blackhole()`
 * keeps connections open but drops every byte (a dead route the client only notices through its
 * heartbeat), `dropAnswers()` loses only what the server sends, `heal()` goes back to normal.
 * It tells WebSocket connections (upgrade answered 101) from plain HTTP ones, so a caller can count
 * how many live sockets a cut really broke.
 */
export class FlakyProxy {
  /** @type {Set<{ client: import("node:net").Socket, upstream: import("node:net").Socket, upgrade: boolean, websocket: boolean }>} */
  #pairs = new Set();
  /** @type {"nothing" | "both" | "downstream"} */
  #dropping = "nothing";
  #server;
  /** Open WebSocket connections broken by `cut()` so far. */
  websocketsCut = 0;

  /** @param {import("node:net").Server} server @param {string} url */
  constructor(server, url) {
    this.#server = server;
    this.url = url;
  }

  /** @param {string} target the stack's origin, e.g. http://127.0.0.1:8787 */
  static async start(target) {
    const { hostname, port } = new URL(target);
    /** @type {FlakyProxy | null} */
    let proxy = null;
    const server = createServer((client) => {
      const upstream = connect(Number(port), hostname);
      const pair = { client, upstream, upgrade: false, websocket: false };
      proxy?.#pairs.add(pair);
      client.on("data", (chunk) => {
        // The request line and headers come first; a WebSocket upgrade says so in them.
        if (!pair.upgrade && UPGRADE_REQUEST.test(chunk.toString("latin1", 0, 4096))) pair.upgrade = true;
        if (proxy && proxy.#dropping !== "both") upstream.write(chunk);
      });
      upstream.on("data", (chunk) => {
        if (pair.upgrade && !pair.websocket && SWITCHING_PROTOCOLS.test(chunk.toString("latin1", 0, 32))) pair.websocket = true;
        if (proxy && proxy.#dropping === "nothing") client.write(chunk);
      });
      const end = () => {
        proxy?.#pairs.delete(pair);
        client.destroy();
        upstream.destroy();
      };
      client.on("error", end).on("close", end);
      upstream.on("error", end).on("close", end);
    });
    await new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(undefined)));
    const address = server.address();
    const listenPort = typeof address === "object" && address ? address.port : 0;
    proxy = new FlakyProxy(server, `http://127.0.0.1:${listenPort}`);
    return proxy;
  }

  get openConnections() {
    return this.#pairs.size;
  }

  /** Open connections that are WebSockets (the upgrade was answered 101). */
  get openWebSockets() {
    let n = 0;
    for (const pair of this.#pairs) if (pair.websocket) n++;
    return n;
  }

  /** Resets every open connection; returns how many of them were open WebSockets. */
  cut() {
    let websockets = 0;
    for (const { client, upstream, websocket } of this.#pairs) {
      if (websocket) websockets++;
      client.resetAndDestroy();
      upstream.destroy();
    }
    this.#pairs.clear();
    this.websocketsCut += websockets;
    return websockets;
  }

  blackhole() {
    this.#dropping = "both";
  }

  /** Requests still reach the server, answers are lost (e.g. acks of stored messages). */
  dropAnswers() {
    this.#dropping = "downstream";
  }

  heal() {
    this.#dropping = "nothing";
  }

  async close() {
    this.cut();
    await new Promise((resolve) => this.#server.close(() => resolve(undefined)));
  }
}
