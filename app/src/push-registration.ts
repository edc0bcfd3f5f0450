/**
 * Web Push for the app: the service worker (/app/sw.js, app/src/sw/) and the device registration.
 * Permission is asked only from a click on "Enable notifications" after sign-in, never on load;
 * once granted, every sign-in subscribes with the server's VAPID key and registers the subscription
 * as this session's device (`platform: "web"`), so pushes reach the service worker with the tab closed.
 */
import type { SecureConnectClient } from "../../client/src/index";
import { CONVERSATION_FRAGMENT, type OpenConversationMessage } from "./push-messages";
import { serviceWorker } from "./service-worker";

function supported(): boolean {
  return "serviceWorker" in navigator && "PushManager" in window && typeof Notification !== "undefined";
}

function applicationServerKey(base64url: string): Uint8Array<ArrayBuffer> {
  const binary = atob(base64url.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
}

/**
 * Subscribes (or reuses the subscription) and registers it as this session's device. Resolves
 * false where push is unavailable (no permission, no push service reachable, unsupported browser).
 */
export async function registerForPush(client: SecureConnectClient): Promise<boolean> {
  if (!supported() || Notification.permission !== "granted") return false;
  try {
    const registration = await serviceWorker();
    if (!registration) return false;
    const { public_key } = await client.api.push.vapidPublicKey();
    const existing = await registration.pushManager.getSubscription();
    const subscription =
      existing ?? (await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: applicationServerKey(public_key) }));
    await client.api.users.addDevice({ platform: "web", push_token: JSON.stringify(subscription.toJSON()) });
    return true;
  } catch (err) {
    console.warn("push registration failed", err);
    return false;
  }
}

/**
 * Calls `open` with the conversation a notification click asked for: from the `#conversation=<id>`
 * the service worker opened a new tab at, and from its message to a tab that was already open.
 */
export function onOpenConversation(open: (conversationId: string) => void): () => void {
  const fragment = `#${CONVERSATION_FRAGMENT}`;
  if (location.hash.startsWith(fragment)) {
    open(decodeURIComponent(location.hash.slice(fragment.length)));
    history.replaceState(null, "", location.pathname + location.search);
  }
  if (!("serviceWorker" in navigator)) return () => undefined;
  const listener = (event: MessageEvent<unknown>) => {
    const data = event.data as Partial<OpenConversationMessage> | null;
    if (data?.type === "open_conversation" && typeof data.conversation_id === "string") open(data.conversation_id);
  };
  navigator.serviceWorker.addEventListener("message", listener);
  return () => navigator.serviceWorker.removeEventListener("message", listener);
}
