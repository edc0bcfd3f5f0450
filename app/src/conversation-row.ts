import type { LiveConversation, SecureConnectClient } from "../../client/src/index";
import { h } from "./dom";
import { BLOCKED_TEXT, isMissedCall, messageText } from "./message-text";
import type { People } from "./people";

/** The other member of a direct conversation (null in a group or alone). */
export function otherMember(client: SecureConnectClient, item: LiveConversation): string | null {
  return item.members.find((m) => m.user_id !== client.userId)?.user_id ?? null;
}

/** A conversation's display title: its name, else the other member's display name (a group's: its members'). */
export function conversationTitle(client: SecureConnectClient, people: People, item: LiveConversation): string {
  if (item.name) return item.name;
  const others = item.members.filter((m) => m.user_id !== client.userId).map((m) => people.known(m.user_id) ?? "…");
  return others.join(", ") || "Conversation";
}

/** One list row: title, unread badge (none for the open conversation) and the last message's preview. */
export function conversationRow(
  client: SecureConnectClient,
  people: People,
  item: LiveConversation,
  active: boolean,
  onSelect: () => void,
  decrypted: { seq: number; text: string; sender_id: string } | null = null,
): HTMLLIElement {
  const title = h("span", { class: "title", testid: "conversation-title", text: conversationTitle(client, people, item) });
  const unknown = item.members.filter((m) => m.user_id !== client.userId && !people.known(m.user_id));
  if (!item.name && unknown.length > 0) {
    void Promise.all(unknown.map((m) => people.profile(m.user_id))).then(() => (title.textContent = conversationTitle(client, people, item)));
  }
  const unread = active ? 0 : item.unread_count;
  const last = item.last_message;
  // The missed-call trace is sent in the caller's name: no "You:" before it.
  const mine = last !== null && last.sender_id === client.userId && !isMissedCall(last);
  // In a group, whose message it is: "Bob: …".
  const theirs = last && !mine && item.type === "group" && !isMissedCall(last) ? people.known(last.sender_id) : undefined;
  // A message from someone we block reads as it does in history: no name, no text (nor what this device decrypted of it).
  const blocked = last?.sender_blocked === true && (!decrypted || decrypted.seq <= last.seq);
  // An encrypted conversation's preview is what this device decrypted (the server's preview is ciphertext).
  // (The server's own newer plaintext, e.g. a missed-call trace, still wins.)
  const preview = blocked
    ? BLOCKED_TEXT
    : decrypted && (!last || decrypted.seq >= last.seq)
      ? `${decrypted.sender_id === client.userId ? "You: " : ""}${decrypted.text}`
      : last
        ? `${mine ? "You: " : theirs ? `${theirs}: ` : ""}${messageText(last, client.userId)}`
        : "No messages yet";
  // A button inside the row: reachable with Tab, opened with Enter or Space.
  const button = h(
    "button",
    { class: "row", attrs: { type: "button", ...(active ? { "aria-current": "true" } : {}) }, on: { click: onSelect } },
    title,
    unread > 0 ? h("span", { class: "badge", testid: "unread", text: String(unread), attrs: { "aria-label": `${unread} unread` } }) : null,
    h("span", { class: `preview${unread > 0 ? " unread" : ""}`, testid: "preview", text: preview }),
  );
  return h("li", { class: active ? "active" : "", testid: "conversation", attrs: { "data-id": item.id } }, button);
}
