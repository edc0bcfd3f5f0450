import type { StoredTokens } from "../../client/src/index";

/**
 * Cookie-mode sessions: the refresh token is in the gateway's HttpOnly cookie, never here. What is
 * kept (localStorage, shared by the tabs of this browser profile and kept across restarts) is the
 * user, the device and the CSRF token the next refresh sends; never the access token, so a new tab
 * or a restarted browser starts with a refresh through the cookie.
 */
const KEY = "secureconnect.session";

export function loadTokens(): StoredTokens | undefined {
  try {
    const raw = localStorage.getItem(KEY);
    return raw ? { ...(JSON.parse(raw) as StoredTokens), accessToken: "", expiresAt: 0 } : undefined;
  } catch {
    return undefined;
  }
}

/** The CSRF token rotates with the cookie: the newest one replaces the old one every time. */
export function saveTokens(tokens: StoredTokens | null): void {
  if (tokens) localStorage.setItem(KEY, JSON.stringify({ ...tokens, accessToken: "", expiresAt: 0 }));
  else localStorage.removeItem(KEY);
}

/** For the SDK's cross-tab refresh: another tab may have rotated the cookie since this one loaded. */
export function latestCsrfToken(): string | undefined {
  return loadTokens()?.refreshToken;
}
