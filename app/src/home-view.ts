import type { CallSummary, EntryOf, LiveConversation, SecureConnectClient } from "../../client/src/index";
import { avatar } from "./avatar";
import { callRinger } from "./call-ringer";
import { chatView, type ChatView } from "./chat-view";
import { conversationControls } from "./conversation-controls";
import { conversationRow, conversationTitle, otherMember } from "./conversation-row";
import { notificationsButton, notifyIfHidden, showUnreadInTitle } from "./desktop-notify";
import { clear, h } from "./dom";
import { clearDrafts } from "./drafts";
import { groupPanel } from "./group-panel";
import { messageText } from "./message-text";
import { newConversation } from "./new-conversation";
import { displayName, People } from "./people";
import { EncryptedPreviews } from "./encrypted-previews";
import { showProfile } from "./profile-view";
import { currentRoute, go, type Route } from "./route";
import { settingsView } from "./settings-view";
import { keyChangeBanner } from "./security-panel";
import { onOpenConversation, registerForPush } from "./push-registration";

/**
 * Conversation list on the left, the open conversation (or settings) on the right, the incoming-call
 * banner above both. Everything outside the open conversation comes over the device stream: the
 * SDK's live list (unread counts, last messages, reads on other devices) and its incoming calls.
 * Where the user is lives in the URL hash (route.ts), so a reload returns there.
 */
export function homeView(client: SecureConnectClient, signOut: () => void): HTMLElement {
  const people = new People(client);
  const stream = client.events();
  const live = client.conversationList();
  const calls = client.incomingCalls();
  const list = h("ul", { class: "conversations", testid: "conversation-list", attrs: { "aria-label": "Conversations" } });
  const hint = () => h("p", { class: "hint", text: "Pick a conversation, or start one: search for people by username." });
  const pane = h("section", { class: "pane", testid: "pane", attrs: { "aria-label": "Conversation" } }, hint());
  const side = h("div", { class: "side-panel" });
  let open: ChatView | null = null;
  const me = client.userId ?? "";
  const previews = new EncryptedPreviews(client, () => render());

  /** A block or unblock changes which list previews are marked (the server decides it per reader when the list is read). */
  const blocksChanged = () => void live.reload();

  function render(): void {
    const rows = live.conversations;
    clear(
      list,
      ...rows.map((item) => conversationRow(client, people, item, item.id === open?.conversationId, () => void select(item), previews.text(item.id))),
    );
    // The open conversation is being read: it counts for nothing, here as in its row.
    showUnreadInTitle(rows.reduce((sum, item) => sum + (item.id === open?.conversationId ? 0 : item.unread_count), 0));
    followOpen();
  }

  /** The open group-info panel's unsubscribe (it follows the device stream while shown). */
  let closePanel: (() => void) | null = null;
  function clearSide(): void {
    closePanel?.();
    closePanel = null;
    clear(side);
  }

  function closeOpen(): void {
    open?.close();
    open = null;
    clearSide();
  }

  /** The open group's title and role follow the live list (a rename by another member, an unnamed group's members, a role change). */
  function followOpen(): void {
    const item = open ? live.get(open.conversationId) : undefined;
    if (!open || !item || item.type !== "group") return;
    const view = open;
    void (item.name !== null ? Promise.resolve(item.name) : groupTitle(item)).then((title) => {
      if (open === view) view.update(item, title);
    });
  }

  async function select(item: LiveConversation): Promise<ChatView> {
    closeOpen();
    const other = otherMember(client, item);
    const title = item.name ?? (item.type === "direct" && other ? await people.name(other) : await groupTitle(item));
    const view = chatView(client, people, item, title, {
      openProfile: (userId) => showProfile(people, userId),
      openDetails: item.type === "group" ? () => toggleDetails(item.id) : null,
      controls: conversationControls(client, item, other, blocksChanged),
    });
    open = view;
    clear(pane, view.element, side);
    go({ kind: "conversation", id: item.id });
    render();
    return view;
  }

  async function groupTitle(item: LiveConversation): Promise<string> {
    const names = await Promise.all(item.members.filter((m) => m.user_id !== me).map((m) => people.name(m.user_id)));
    return names.join(", ") || "Group";
  }

  function toggleDetails(conversationId: string): void {
    if (side.firstChild) return clearSide();
    const panel = groupPanel(client, people, conversationId, {
      close: clearSide,
      openProfile: (userId) => showProfile(people, userId),
      // Our title at once; every member's list and title (ours too) follow the rename's device event.
      renamed: (name) => {
        const title = pane.querySelector("[data-testid=chat-title]");
        if (title) title.textContent = name;
      },
      left: () => {
        closeOpen();
        clear(pane, hint());
        go({ kind: "home" });
        void live.reload();
      },
    });
    clear(side, panel.element);
    closePanel = () => panel.close();
    side.querySelector("button")?.focus();
  }

  function showSettings(): void {
    closeOpen();
    clear(
      pane,
      settingsView({ client, people, signOut: leave, blocksChanged }, () => void followRoute({ kind: "home" })),
    );
    go({ kind: "settings" });
    render();
  }

  /** A conversation by id, from the list (reloaded once if it is not there yet). */
  async function selectById(conversationId: string): Promise<ChatView | null> {
    if (open?.conversationId === conversationId) return open;
    if (!live.get(conversationId)) await live.reload();
    const item = live.get(conversationId);
    return item ? select(item) : null;
  }

  async function followRoute(route: Route): Promise<void> {
    switch (route.kind) {
      case "conversation":
        if (!(await selectById(route.id))) await followRoute({ kind: "home" });
        return;
      case "settings":
        return showSettings();
      case "home":
        closeOpen();
        clear(pane, hint());
        go(route);
        return render();
    }
  }

  async function answer(call: CallSummary): Promise<void> {
    (await selectById(call.conversation_id))?.acceptCall(call.id);
  }

  function notifyMessage(entry: EntryOf<"conversation">): void {
    const { event } = entry;
    const last = event.last_message;
    if (event.change === "message" && last?.ciphertext && open?.conversationId !== event.conversation_id) previews.refresh(event.conversation_id);
    // Replayed entries (a resume) are old news; our own messages need no notification, nor those of someone we block.
    if (!stream.live || event.change !== "message" || !last || last.sender_id === client.userId || last.sender_blocked) return;
    const item = live.get(event.conversation_id);
    const title = item ? conversationTitle(client, people, item) : "New message";
    notifyIfHidden(title, messageText(last), event.conversation_id, () => void selectById(event.conversation_id));
  }

  function notifyCall(call: CallSummary): void {
    const from = people.known(call.initiator_id) ?? "Someone";
    notifyIfHidden(`Incoming ${call.type} call`, `${from} is calling`, `call:${call.id}`, () => void selectById(call.conversation_id));
  }

  /** Unsent messages persisted before a reload go out once the stream is up (the server keeps one per client_id). */
  const flush = () => void client.flushOutbox().catch(() => undefined);
  const onPopState = () => void followRoute(currentRoute());
  window.addEventListener("popstate", onPopState);
  // Opened by the offline shell, or the network dropped: say so; what was written goes out later.
  const offline = h("p", {
    class: "banner offline",
    testid: "offline",
    attrs: { role: "status" },
    text: "Offline: messages you write are sent when the network is back.",
  });
  const onNetwork = () => (offline.hidden = navigator.onLine);
  onNetwork();
  window.addEventListener("online", onNetwork);
  window.addEventListener("offline", onNetwork);
  // E2EE: this device's KeyPackages stocked (again when the directory runs low), Welcomes from the mailbox joined,
  // and our other devices followed live (a new one added to our encrypted conversations, a signed-out one dropped).
  const publish = () => void client.e2ee.publishKeyPackages().catch((err: unknown) => console.error("[app] key packages", err));
  publish();
  const keyChanges = keyChangeBanner(client, (id) => people.name(id));
  const offs = [
    stream.autoAck((entries) => client.e2ee.handleMailbox(entries)),
    client.e2ee.followDevices(stream),
    stream.on("keys", ({ event }) => {
      if (event.signal === "key_packages_low") publish();
    }),
    // Removed from the open conversation (by an admin, or we left on another device): its pane goes,
    // so nobody types into a conversation that no longer takes their messages.
    stream.on("membership", ({ event }) => {
      if (event.change !== "removed" || open?.conversationId !== event.conversation_id) return;
      closeOpen();
      clear(pane, h("p", { class: "hint", testid: "no-longer-member", text: "You are no longer a member of this conversation." }));
      go({ kind: "home" });
      render();
    }),
    keyChanges.close,
    () => previews.close(),
    live.on("change", render),
    stream.on("conversation", notifyMessage),
    stream.on("live", flush),
    calls.on("ringing", notifyCall),
    // A notification clicked while signed in (a new tab at #conversation=…, or a message to this one).
    onOpenConversation((id) => void selectById(id)),
    client.session.onChange((current) => {
      if (!current) dispose();
    }),
    () => window.removeEventListener("popstate", onPopState),
    () => window.removeEventListener("online", onNetwork),
    () => window.removeEventListener("offline", onNetwork),
  ];
  let disposed = false;
  function dispose(): void {
    if (disposed) return;
    disposed = true;
    for (const off of offs) off();
    closeOpen();
    calls.close();
    live.close();
    stream.close();
    showUnreadInTitle(0);
  }

  // Permission already given on an earlier visit: keep this session's device subscribed, no prompt.
  void registerForPush(client);
  function leave(): void {
    dispose();
    clearDrafts(me);
    history.replaceState(null, "", location.pathname + location.search);
    signOut();
  }

  const myName = client.session.current?.user;
  const myDisplayName = myName ? myName.display_name || myName.username : "";
  const meButton = h(
    "button",
    { class: "me link", testid: "open-settings", attrs: { type: "button", title: "Settings and profile" }, on: { click: showSettings } },
    // Our name is known from the session even offline (the profile request may fail then).
    avatar(people, me, "small", myDisplayName),
    h("strong", { testid: "me", text: myDisplayName }),
    h("span", { class: "sr-only", text: " (settings and profile)" }),
  );
  people.onUpdate((profile) => {
    if (profile.id !== me) return;
    const label = meButton.querySelector("[data-testid=me]");
    if (label) label.textContent = displayName(profile);
    meButton.querySelector("[data-testid=avatar]")?.replaceWith(avatar(people, me, "small", displayName(profile)));
  });
  const signOutButton = h("button", {
    class: "link",
    testid: "sign-out",
    text: "Sign out",
    on: { click: () => void client.api.auth.logout().finally(leave) },
  });
  // The route the page was loaded with (a reload keeps the open conversation).
  void live.ready().then(() => followRoute(currentRoute()));
  return h(
    "div",
    { class: "home" },
    h(
      "nav",
      { class: "sidebar", attrs: { "aria-label": "Chats" } },
      h("header", {}, meButton, signOutButton),
      offline,
      notificationsButton(() => void registerForPush(client)),
      newConversation(client, people, async (id) => void (await selectById(id))),
      list,
    ),
    h(
      "div",
      { class: "main" },
      keyChanges.element,
      callRinger(client, calls, people, (call) => void answer(call)),
      pane,
    ),
  );
}
