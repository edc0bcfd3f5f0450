import type { AuthSession } from "./auth-session";
import { ApiError } from "./errors";

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;
export type QueryValues = Record<string, string | number | boolean | undefined>;

export interface RequestOptions {
  body?: unknown;
  query?: QueryValues;
  /** Send the bearer token and recover from a 401 with one refresh (default true). */
  auth?: boolean;
  headers?: Record<string, string>;
  /** Non-2xx statuses whose JSON body is an answer, not an error (e.g. 503 from the readiness check). */
  acceptStatus?: number[];
}

/** JSON over fetch with the API's conventions: error envelope → ApiError, bearer auth, refresh on 401. */
export class Http {
  constructor(
    readonly baseUrl: string,
    private readonly session: AuthSession,
    private readonly fetchImpl: FetchLike,
  ) {}

  /** Cookie mode sends the session cookie to an API on another origin of the same site as well. */
  private get credentials(): { credentials?: RequestCredentials } {
    return this.session.mode === "cookie" ? { credentials: "include" } : {};
  }

  /** Built by hand rather than with `URL`, whose searchParams React Native does not implement. */
  url(path: string, query?: QueryValues): string {
    const pairs = Object.entries(query ?? {})
      .filter((entry): entry is [string, string | number | boolean] => entry[1] !== undefined)
      .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`);
    return `${this.baseUrl.replace(/\/+$/, "")}${path}${pairs.length > 0 ? `?${pairs.join("&")}` : ""}`;
  }

  /** Resolves with the parsed JSON body (undefined for 204). */
  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const auth = options.auth ?? true;
    const token = auth ? await this.session.accessToken() : null;
    if (auth && !token) throw new ApiError(401, "UNAUTHORIZED", "Not signed in.");
    let res = await this.send(method, path, options, token);
    if (res.status === 401 && token) {
      // Drain before retrying so the connection can be reused.
      await res.body?.cancel().catch(() => undefined);
      res = await this.send(method, path, options, await this.session.recover(token));
    }
    if (!res.ok && !options.acceptStatus?.includes(res.status)) throw await ApiError.fromResponse(res);
    if (res.status === 204) return undefined as T;
    return (await res.json()) as T;
  }

  private async send(method: string, path: string, options: RequestOptions, token: string | null): Promise<Response> {
    const headers: Record<string, string> = { Accept: "application/json", ...options.headers };
    if (options.body !== undefined) headers["Content-Type"] = "application/json";
    if (token) headers.Authorization = `Bearer ${token}`;
    try {
      return await this.fetchImpl(this.url(path, options.query), {
        method,
        headers,
        ...this.credentials,
        ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      });
    } catch (err) {
      throw new ApiError(0, "NETWORK_ERROR", err instanceof Error ? err.message : "Network request failed.");
    }
  }
}
