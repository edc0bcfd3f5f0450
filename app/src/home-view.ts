import type { ConversationListItem, SecureConnectClient } from "../../client/src/index";
import { chatView, type ChatView } from "./chat-view";
import { clear, errorText, h, input } from "./dom";
import { People } from "./people";

const LIST_REFRESH_MS = 4_000;

/** Conversation list (with unread counts) on the left, the open conversation on the right. */
export function homeView(client: SecureConnectClient, signOut: () => void): HTMLElement {
  const people = new People(client);
  const list = h("ul", { class: "conversations", testid: "conversation-list" });
  const pane = h("section", { class: "pane", testid: "pane" }, h("p", { class: "hint", text: "Pick a conversation, or start one by username." }));
  const search = input("new-chat-username", "text", { placeholder: "username" });
  const searchError = h("p", { class: "error", testid: "new-chat-error" });
  let open: ChatView | null = null;
  let items: ConversationListItem[] = [];

  async function refresh(): Promise<void> {
    try {
      items = (await client.api.conversations.list({ limit: 50 })).conversations;
    } catch {
      return; // offline or signed out: keep what is shown
    }
    clear(list, ...items.map(row));
  }

  function row(item: ConversationListItem): HTMLElement {
    const other = item.members.find((m) => m.user_id !== client.userId)?.user_id;
    const title = h("span", { class: "title", text: item.name ?? "…" });
    if (!item.name && other) void people.name(other).then((name) => (title.textContent = name));
    const unread = open?.conversationId === item.id ? 0 : item.unread_count;
    const preview = item.last_message?.body ?? (item.last_message ? "(encrypted)" : "No messages yet");
    return h(
      "li",
      {
        class: open?.conversationId === item.id ? "active" : "",
        testid: "conversation",
        attrs: { "data-id": item.id },
        on: { click: () => void select(item) },
      },
      title,
      unread > 0 ? h("span", { class: "badge", testid: "unread", text: String(unread) }) : null,
      h("span", { class: "preview", text: preview }),
    );
  }

  async function select(item: ConversationListItem): Promise<void> {
    open?.close();
    const other = item.members.find((m) => m.user_id !== client.userId)?.user_id ?? null;
    open = chatView(client, item.id, other, item.name ?? (other ? await people.name(other) : "Conversation"));
    clear(pane, open.element);
    clear(list, ...items.map(row));
  }

  async function startChat(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    searchError.textContent = "";
    try {
      const wanted = search.value.trim().toLowerCase();
      const { users } = await client.api.users.search({ q: wanted, limit: 5 });
      const user = users.find((u) => u.username.toLowerCase() === wanted);
      if (!user) throw new Error(`No user named ${wanted}.`);
      const { conversation } = await client.api.conversations.create({ type: "direct", member_ids: [user.id] });
      search.value = "";
      await refresh();
      const item = items.find((i) => i.id === conversation.id);
      if (item) await select(item);
    } catch (err) {
      searchError.textContent = errorText(err);
    }
  }

  const timer = setInterval(() => void refresh(), LIST_REFRESH_MS);
  const me = client.session.current?.user;
  const root = h(
    "div",
    { class: "home" },
    h(
      "aside",
      { class: "sidebar" },
      h(
        "header",
        {},
        h("strong", { testid: "me", text: me ? me.display_name || me.username : "" }),
        h("button", {
          class: "link",
          testid: "sign-out",
          text: "Sign out",
          on: {
            click: () => {
              clearInterval(timer);
              open?.close();
              void client.api.auth.logout().finally(signOut);
            },
          },
        }),
      ),
      h(
        "form",
        { class: "new-chat", testid: "new-chat", on: { submit: (e) => void startChat(e) } },
        search,
        h("button", { text: "Chat", testid: "new-chat-submit" }),
      ),
      searchError,
      list,
    ),
    pane,
  );
  void refresh();
  return root;
}
