import type { StoredTokens } from "../../client/src/index";

/**
 * Cookie-mode sessions: the refresh token is in the gateway's HttpOnly cookie, never here. What is
 * kept in localStorage (shared by the tabs of this browser profile and kept across restarts) is the
 * user, the device and the CSRF token the next refresh sends, never the access token. The access token
 * (15 minutes) is kept per tab in sessionStorage, which script in the page could read from memory
 * anyway: a reload then needs no refresh, and a reload can no longer cut a refresh's answer off after
 * the server rotated the cookie (a spent refresh token presented again revokes the session). A new tab
 * or a restarted browser starts with a refresh through the cookie.
 */
const KEY = "secureconnect.session";
const TAB_KEY = "secureconnect.tab-access";

interface TabAccess {
  accessToken: string;
  expiresAt: number;
  userId: string | undefined;
}

function tabAccess(userId: string | undefined): Pick<StoredTokens, "accessToken" | "expiresAt"> {
  try {
    const raw = sessionStorage.getItem(TAB_KEY);
    const tab = raw ? (JSON.parse(raw) as Partial<TabAccess>) : undefined;
    if (tab && tab.userId === userId && typeof tab.accessToken === "string" && typeof tab.expiresAt === "number")
      return { accessToken: tab.accessToken, expiresAt: tab.expiresAt };
  } catch {
    // An unreadable entry is no token: the next call refreshes.
  }
  return { accessToken: "", expiresAt: 0 };
}

export function loadTokens(): StoredTokens | undefined {
  try {
    const raw = localStorage.getItem(KEY);
    if (!raw) return undefined;
    const kept = JSON.parse(raw) as StoredTokens;
    return { ...kept, ...tabAccess(kept.user?.id) };
  } catch {
    return undefined;
  }
}

/** The CSRF token rotates with the cookie: the newest one replaces the old one every time. */
export function saveTokens(tokens: StoredTokens | null): void {
  if (tokens) {
    localStorage.setItem(KEY, JSON.stringify({ ...tokens, accessToken: "", expiresAt: 0 }));
    const tab: TabAccess = { accessToken: tokens.accessToken, expiresAt: tokens.expiresAt, userId: tokens.user?.id };
    sessionStorage.setItem(TAB_KEY, JSON.stringify(tab));
  } else {
    localStorage.removeItem(KEY);
    sessionStorage.removeItem(TAB_KEY);
  }
}

/** For the SDK's cross-tab refresh: another tab may have rotated the cookie since this one loaded. */
export function latestCsrfToken(): string | undefined {
  return loadTokens()?.refreshToken;
}

/** Whether the tab still holds an access token worth using (a minute left at least). */
export function hasFreshAccess(tokens: StoredTokens): boolean {
  return tokens.accessToken !== "" && tokens.expiresAt - Date.now() > 60_000;
}
