/** A TCP proxy in front of a local stack that cuts, black-holes or half-drops connections on demand. */
export declare class FlakyProxy {
  private constructor();
  /** The proxy's origin (http://127.0.0.1:<port>): point a client's baseUrl here. */
  readonly url: string;
  /** Open WebSocket connections broken by `cut()` so far. */
  websocketsCut: number;
  static start(target: string): Promise<FlakyProxy>;
  readonly openConnections: number;
  /** Open connections that are WebSockets (the upgrade was answered 101). */
  readonly openWebSockets: number;
  /** Resets every open connection (no close frame); returns how many of them were open WebSockets. */
  cut(): number;
  /** Connections stay open but every byte is dropped, both ways. */
  blackhole(): void;
  /** Requests still reach the server, answers are lost (e.g. acks of stored messages). */
  dropAnswers(): void;
  heal(): void;
  close(): Promise<void>;
}
