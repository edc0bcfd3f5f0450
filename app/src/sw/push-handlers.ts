/**
 * The service worker's Web Push handlers: `push` shows the notification (every push must show one:
 * the subscription is userVisibleOnly), `notificationclick` focuses an open tab of the app and asks
 * it to open the conversation, or opens one at `#conversation=<id>`. Pushes carry ids only (the
 * server never puts message text in a push, end-to-end encrypted or not), so the text is generic.
 */
import { webPushPayloadSchema, type WebPushPayload } from "../../../lib/contracts/web-push";
import { CONVERSATION_FRAGMENT, type OpenConversationMessage } from "../push-messages";

interface Shown {
  title: string;
  options: NotificationOptions;
}

function readPayload(event: PushEvent): WebPushPayload | undefined {
  try {
    const parsed = webPushPayloadSchema.safeParse(event.data?.json());
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** What a push shows; an unreadable one still shows a generic notification (a silent push is not allowed). */
export function notificationFor(payload: WebPushPayload | undefined): Shown {
  const data = payload?.data ?? {};
  const conversationId = data.conversation_id;
  const base = { data } satisfies NotificationOptions;
  switch (data.kind) {
    case "incoming_call":
      return {
        title: payload?.notification?.title ?? "Incoming call",
        options: { ...base, body: payload?.notification?.body ?? "Open SecureConnect to answer.", tag: `call:${data.call_id ?? ""}`, requireInteraction: true },
      };
    case "message":
      return { title: "New message", options: { ...base, body: "Open SecureConnect to read it.", tag: `c:${conversationId ?? ""}` } };
    default:
      return { title: "SecureConnect", options: { ...base, body: "You have something new." } };
  }
}

async function openConversation(scope: ServiceWorkerGlobalScope, conversationId: string | undefined): Promise<void> {
  const windows = await scope.clients.matchAll({ type: "window", includeUncontrolled: true });
  const tab = windows[0];
  if (tab) {
    if (conversationId !== undefined) tab.postMessage({ type: "open_conversation", conversation_id: conversationId } satisfies OpenConversationMessage);
    await tab.focus();
    return;
  }
  const url = new URL(scope.registration.scope);
  if (conversationId !== undefined) url.hash = `${CONVERSATION_FRAGMENT}${encodeURIComponent(conversationId)}`;
  await scope.clients.openWindow(url.href);
}

function conversationOf(notification: Notification): string | undefined {
  const data: unknown = notification.data;
  if (typeof data !== "object" || data === null || !("conversation_id" in data)) return undefined;
  return typeof data.conversation_id === "string" ? data.conversation_id : undefined;
}

export function installPushHandlers(scope: ServiceWorkerGlobalScope): void {
  scope.addEventListener("push", (event) => {
    const shown = notificationFor(readPayload(event));
    event.waitUntil(scope.registration.showNotification(shown.title, shown.options));
  });
  scope.addEventListener("notificationclick", (event) => {
    event.notification.close();
    event.waitUntil(openConversation(scope, conversationOf(event.notification)));
  });
}
