import type { StoredTokens } from "../../client/src/index";

/** Per tab (sessionStorage), so two people can try the app side by side in one browser. */
const KEY = "secureconnect.tokens";

export function loadTokens(): StoredTokens | undefined {
  try {
    const raw = sessionStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as StoredTokens) : undefined;
  } catch {
    return undefined;
  }
}

/** Refresh tokens rotate: the newest pair must replace the old one every time. */
export function saveTokens(tokens: StoredTokens | null): void {
  if (tokens) sessionStorage.setItem(KEY, JSON.stringify(tokens));
  else sessionStorage.removeItem(KEY);
}
