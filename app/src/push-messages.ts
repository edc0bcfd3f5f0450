/** What the service worker (app/src/sw/) and the page say to each other about notifications. */

/** Posted by the service worker to an open tab when a notification is clicked. */
export interface OpenConversationMessage {
  type: "open_conversation";
  conversation_id: string;
}

/** A new tab opened by a notification click starts at `#conversation=<id>`. */
export const CONVERSATION_FRAGMENT = "conversation=";
