export interface DevStackOptions {
  /** Prefix of the temp state directory (PERSIST_DIR). */
  statePrefix?: string;
  /** Extra environment for scripts/dev.mjs (PORT, INSPECTOR_PORT, LOCAL_SFU_PORT, PERSIST_DIR and HOST are always set; LOCAL_SFU=0 turns the local SFU off). */
  env?: Record<string, string>;
  /** How long to wait for /health, ms (default 150,000). */
  timeoutMs?: number;
  /** Print the stack's whole output when it is stopped. */
  printLogsOnStop?: boolean;
  /** Run scripts/dev.mjs of this source tree (default: this repository's working tree). */
  sourceDir?: string;
}
export interface DevStack {
  baseUrl: string;
  /** The local SFU the stack runs (GET `${sfuUrl}/stats`), or null when it runs none. */
  sfuUrl: string | null;
  /** Everything the stack printed so far. */
  output: string[];
  /** PERSIST_DIR: local D1, Durable Object SQLite, R2 and KV files of this stack. */
  stateDir: string;
  /** Everything the stack printed, as a file (in stateDir). */
  logFile: string;
  /** Kills the stack's process group and removes its state directory; safe to call twice. */
  stop: () => void;
}
export declare function startDevStack(options?: DevStackOptions): Promise<DevStack>;
/** The committed HEAD (or `ref`) copied into a temp dir (node_modules linked), and a function that removes it. */
export declare function snapshotOfHead(ref?: string): { dir: string; remove: () => void };
/** GET /health answered 2xx within 5 s. */
export declare function isHealthy(url: string): Promise<boolean>;
