export declare const LOCAL_SFU_APP_ID: string;
export interface LocalSfuProcess {
  port: number;
  /** http://127.0.0.1:<port>; GET `${url}/stats` has the SFU's counters. */
  url: string;
  /** What REALTIME_API_BASE points at: `${url}/v1`. */
  apiBase: string;
  appId: string;
  pid: number | undefined;
  stop: () => void;
}
export declare function startLocalSfu(options: {
  appSecret: string;
  appId?: string;
  port?: number;
  root?: string;
  hostAddresses?: string[];
  onLog?: (line: string) => void;
}): Promise<LocalSfuProcess>;
export declare function localSfuWanted(callsConfigText: string, env?: Record<string, string | undefined>): { run: true } | { run: false; reason: string };
