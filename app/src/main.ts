import { indexedDbStores, SecureConnectClient } from "../../client/src/index";
import { authView } from "./auth-view";
import { clear } from "./dom";
import { emailActionView } from "./email-action-view";
import { takeEmailLink } from "./email-links";
import { homeView } from "./home-view";
import { registerServiceWorker } from "./service-worker";
import { hasFreshAccess, latestCsrfToken, loadTokens, saveTokens } from "./session-store";

/** The SecureConnect web app: everything it does goes through the client SDK. */
const root = document.getElementById("root");
if (!root) throw new Error("#root is missing");
const tokens = loadTokens();
// Unsent messages and the device stream's position survive a reload (one database per browser profile).
const stores = indexedDbStores({ name: "secureconnect-app" });
// Cookie mode: the refresh token lives in an HttpOnly cookie; a new tab or a restarted browser
// resumes the session through it (session-store.ts keeps only the user, device and CSRF token).
const client = new SecureConnectClient({
  baseUrl: location.origin,
  sessionMode: "cookie",
  latestCsrfToken,
  ...(tokens ? { tokens } : {}),
  onTokens: saveTokens,
  outboxStore: stores.outbox,
  positionStore: stores.position,
  // E2EE keys, group states and decrypted messages, sealed with a non-extractable key kept in the same database.
  secretStore: stores.secrets,
});

// Read (and cleared from the address bar) before anything else runs.
let emailLink = takeEmailLink();

function show(): void {
  if (!root) return;
  if (emailLink) {
    const link = emailLink;
    emailLink = null;
    clear(root, emailActionView(client, link, show));
    return;
  }
  if (client.session.current) clear(root, homeView(client, show));
  else clear(root, authView(client, show));
}

// A refused refresh (session revoked elsewhere) signs this tab out.
client.session.onChange((current) => {
  if (!current) show();
  registerServiceWorker();
});
// A reload within the tab keeps its access token and starts at once. Otherwise a resumed session
// refreshes before the first screen: a cookie that no longer works shows sign-in at once instead of a
// list that fails. Any other failure (offline) keeps the session for later.
if (tokens && !hasFreshAccess(tokens)) void client.session.refresh().then(show, show);
else show();
registerServiceWorker();
