import { ApiError } from "./errors";
import type { SignInAnswer, User } from "./types";

/** What a client keeps between runs (e.g. in localStorage / SecureStore): enough to resume a session. */
export interface StoredTokens {
  accessToken: string;
  /**
   * What the next refresh presents. Bearer mode: the refresh token. Cookie mode (browsers): the
   * CSRF token; the refresh token itself is in an HttpOnly cookie script never sees.
   */
  refreshToken: string;
  /** Epoch milliseconds at which the access token expires. */
  expiresAt: number;
  user?: User;
  /** The device this session is bound to (the token answer's `device_id`), once the server names one. */
  deviceId?: string;
}

export type Refresher = (refreshToken: string) => Promise<SignInAnswer>;
export type SessionMode = "bearer" | "cookie";

/** Refresh this long before the access token expires, so a request never leaves with a dying token. */
const EARLY_REFRESH_MS = 30_000;

/**
 * Holds the token pair and refreshes it. Refresh tokens rotate and a reused one revokes the whole
 * session, so there is never more than one refresh in flight: every caller (proactive expiry check,
 * any number of concurrent 401s) awaits the same promise, and a 401 for a token that has already
 * been replaced just retries with the new one instead of refreshing again.
 */
export class AuthSession {
  private tokens: StoredTokens | null = null;
  private refreshing: Promise<StoredTokens> | null = null;
  private readonly listeners = new Set<(tokens: StoredTokens | null) => void>();
  /** How many refresh round-trips this session made (observable in tests). */
  refreshCount = 0;
  /**
   * This client's device, kept across sign-out: the next sign-in sends it as `device_id`, so this
   * device stays one device (the server gives another user, or an unknown id, a new one).
   */
  lastDeviceId: string | undefined;

  constructor(
    private readonly refresher: Refresher,
    private readonly now: () => number = Date.now,
    /** "cookie": sign-in and refresh keep the refresh token in the gateway's HttpOnly cookie. */
    readonly mode: SessionMode = "bearer",
  ) {}

  get current(): StoredTokens | null {
    return this.tokens;
  }

  /** Called with the new tokens after sign-in and every refresh, and with null on sign-out. */
  onChange(listener: (tokens: StoredTokens | null) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  set(tokens: StoredTokens | null): void {
    this.tokens = tokens;
    if (tokens?.deviceId) this.lastDeviceId = tokens.deviceId;
    for (const listener of this.listeners) listener(tokens);
  }

  adopt(pair: SignInAnswer): StoredTokens {
    const tokens: StoredTokens = {
      accessToken: pair.access_token,
      refreshToken: "csrf_token" in pair ? pair.csrf_token : pair.refresh_token,
      expiresAt: this.now() + pair.expires_in * 1000,
      user: pair.user,
    };
    // An answer without the field (an older server) keeps the device, for the same user only.
    const deviceId = pair.device_id ?? (this.tokens?.user?.id === pair.user.id ? this.tokens.deviceId : undefined);
    if (deviceId) {
      tokens.deviceId = deviceId;
      this.lastDeviceId = deviceId;
    }
    this.set(tokens);
    return tokens;
  }

  /** A usable access token (refreshed first when about to expire), or null when signed out. */
  async accessToken(): Promise<string | null> {
    const tokens = this.tokens;
    if (!tokens) return null;
    if (tokens.expiresAt - this.now() > EARLY_REFRESH_MS) return tokens.accessToken;
    return (await this.refresh()).accessToken;
  }

  /** After a 401 for `rejected`: refresh unless someone already replaced that token. */
  async recover(rejected: string): Promise<string> {
    const tokens = this.tokens;
    if (!tokens) throw new ApiError(401, "UNAUTHORIZED", "Signed out.");
    if (tokens.accessToken !== rejected) return tokens.accessToken;
    return (await this.refresh()).accessToken;
  }

  /** The single in-flight refresh (started if none). A refused refresh signs the session out. */
  refresh(): Promise<StoredTokens> {
    if (this.refreshing) return this.refreshing;
    const tokens = this.tokens;
    if (!tokens) return Promise.reject(new ApiError(401, "UNAUTHORIZED", "Signed out."));
    const run = async (): Promise<StoredTokens> => {
      this.refreshCount += 1;
      try {
        const pair = await this.refresher(tokens.refreshToken);
        return this.adopt(pair);
      } catch (err) {
        if (err instanceof ApiError && err.status === 401) this.set(null);
        throw err;
      }
    };
    const flight = run().finally(() => {
      if (this.refreshing === flight) this.refreshing = null;
    });
    this.refreshing = flight;
    return flight;
  }
}
