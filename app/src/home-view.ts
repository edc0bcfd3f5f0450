import { accountPanel } from "./account-panel";
import type { CallSummary, EntryOf, LiveConversation, SecureConnectClient } from "../../client/src/index";
import { callRinger } from "./call-ringer";
import { chatView, type ChatView } from "./chat-view";
import { conversationRow, conversationTitle, otherMember } from "./conversation-row";
import { notificationsButton, notifyIfHidden, showUnreadInTitle } from "./desktop-notify";
import { clear, errorText, h, input } from "./dom";
import { messageText } from "./message-text";
import { People } from "./people";

/**
 * Conversation list on the left, the open conversation on the right, the incoming-call banner above
 * both. Everything outside the open conversation comes over the device stream: the SDK's live list
 * (unread counts, last messages, reads on other devices) and its incoming calls.
 */
export function homeView(client: SecureConnectClient, signOut: () => void): HTMLElement {
  const people = new People(client);
  const stream = client.events();
  const live = client.conversationList();
  const calls = client.incomingCalls();
  const list = h("ul", { class: "conversations", testid: "conversation-list" });
  const pane = h("section", { class: "pane", testid: "pane" }, h("p", { class: "hint", text: "Pick a conversation, or start one by username." }));
  const search = input("new-chat-username", "text", { placeholder: "username" });
  const searchError = h("p", { class: "error", testid: "new-chat-error" });
  let open: ChatView | null = null;

  function render(): void {
    const rows = live.conversations;
    clear(list, ...rows.map((item) => conversationRow(client, people, item, item.id === open?.conversationId, () => void select(item))));
    // The open conversation is being read: it counts for nothing, here as in its row.
    showUnreadInTitle(rows.reduce((sum, item) => sum + (item.id === open?.conversationId ? 0 : item.unread_count), 0));
  }

  async function select(item: LiveConversation): Promise<ChatView> {
    open?.close();
    const other = otherMember(client, item);
    const title = item.name ?? (other ? await people.name(other) : "Conversation");
    const view = chatView(client, item.id, other, title);
    open = view;
    clear(pane, view.element);
    render();
    return view;
  }

  /** A conversation by id, from the list (reloaded once if it is not there yet). */
  async function selectById(conversationId: string): Promise<ChatView | null> {
    if (open?.conversationId === conversationId) return open;
    if (!live.get(conversationId)) await live.reload();
    const item = live.get(conversationId);
    return item ? select(item) : null;
  }

  async function answer(call: CallSummary): Promise<void> {
    (await selectById(call.conversation_id))?.acceptCall(call.id);
  }

  function notifyMessage(entry: EntryOf<"conversation">): void {
    const { event } = entry;
    const last = event.last_message;
    // Replayed entries (a resume) are old news; our own messages need no notification.
    if (!stream.live || event.change !== "message" || !last || last.sender_id === client.userId) return;
    const item = live.get(event.conversation_id);
    const title = item ? conversationTitle(client, people, item) : "New message";
    notifyIfHidden(title, messageText(last), event.conversation_id, () => void selectById(event.conversation_id));
  }

  function notifyCall(call: CallSummary): void {
    const from = people.known(call.initiator_id) ?? "Someone";
    notifyIfHidden(`Incoming ${call.type} call`, `${from} is calling`, `call:${call.id}`, () => void selectById(call.conversation_id));
  }

  async function startChat(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    searchError.textContent = "";
    try {
      const wanted = search.value.trim().toLowerCase();
      const { users } = await client.api.users.search({ q: wanted, limit: 5 });
      const user = users.find((u) => u.username?.toLowerCase() === wanted);
      if (!user) throw new Error(`No user named ${wanted}.`);
      const { conversation } = await client.api.conversations.create({ type: "direct", member_ids: [user.id] });
      search.value = "";
      await selectById(conversation.id);
    } catch (err) {
      searchError.textContent = errorText(err);
    }
  }

  /** Unsent messages persisted before a reload go out once the stream is up (the server keeps one per client_id). */
  const flush = () => void client.flushOutbox().catch(() => undefined);
  const offs = [
    live.on("change", render),
    stream.on("conversation", notifyMessage),
    stream.on("live", flush),
    calls.on("ringing", notifyCall),
    client.session.onChange((current) => {
      if (!current) dispose();
    }),
  ];
  let disposed = false;
  function dispose(): void {
    if (disposed) return;
    disposed = true;
    for (const off of offs) off();
    open?.close();
    calls.close();
    live.close();
    stream.close();
    showUnreadInTitle(0);
  }

  const me = client.session.current?.user;
  const signOutButton = h("button", {
    class: "link",
    testid: "sign-out",
    text: "Sign out",
    on: {
      click: () => {
        dispose();
        void client.api.auth.logout().finally(signOut);
      },
    },
  });
  return h(
    "div",
    { class: "home" },
    h(
      "aside",
      { class: "sidebar" },
      h("header", {}, h("strong", { testid: "me", text: me ? me.display_name || me.username : "" }), signOutButton),
      notificationsButton(),
      accountPanel(client, () => {
        dispose();
        signOut();
      }),
      h(
        "form",
        { class: "new-chat", testid: "new-chat", on: { submit: (e) => void startChat(e) } },
        search,
        h("button", { text: "Chat", testid: "new-chat-submit" }),
      ),
      searchError,
      list,
    ),
    h(
      "div",
      { class: "main" },
      callRinger(client, calls, people, (call) => void answer(call)),
      pane,
    ),
  );
}
