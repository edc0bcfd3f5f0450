/**
 * One-click links from emails: `<APP_URL>#verify=<token>`, `#reset=<token>`, `#email-change=<token>`
 * (workers/auth/src/email/templates.ts). The token is in the fragment, which browsers never send to a
 * server; it is read once and removed from the address bar (and history) before anything else runs,
 * so it is not left in a bookmark or a shared screenshot.
 */
export type EmailLink = { kind: "verify" | "reset" | "email-change"; token: string };

const KINDS: readonly EmailLink["kind"][] = ["verify", "reset", "email-change"];

export function takeEmailLink(): EmailLink | null {
  const params = new URLSearchParams(location.hash.slice(1));
  const kind = KINDS.find((k) => params.has(k));
  const token = kind ? params.get(kind) : null;
  if (!kind || !token) return null;
  history.replaceState(null, "", location.pathname + location.search);
  return { kind, token };
}
