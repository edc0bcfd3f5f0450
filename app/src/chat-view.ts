import { fromBlob, type ChatConnection, type EncryptedChat, type LiveConversation, type Message, type SecureConnectClient } from "../../client/src/index";
import { callEntries, type CallEntry } from "./call-entries";
import { callPanel } from "./call-panel";
import { groupCallGrid } from "./group-call-grid";
import { composer } from "./composer";
import { clear, errorText, h } from "./dom";
import { EncryptedTimeline, sendEncrypted } from "./encrypted-timeline";
import { messageItem, notice, statusBadge, type RowContext, type ShownMessage } from "./message-item";
import { messageText } from "./message-text";
import type { People } from "./people";
import { securityPanel } from "./security-panel";

export interface ChatView {
  conversationId: string;
  element: HTMLElement;
  /** Answers a call of this conversation that rang. */
  acceptCall(callId: string): void;
  /** The conversation as the live list has it now (renamed, the caller's role changed), with its title. */
  update(item: LiveConversation, title: string): void;
  close(): void;
}

export interface ChatViewOptions {
  openProfile: (userId: string) => void;
  /** Group details (members, roles, leave); absent for direct conversations. */
  openDetails: (() => void) | null;
  /** Per-conversation controls (mute, block) shown above the messages. */
  controls?: HTMLElement | null;
}

const PAGE = 30;

/**
 * History (paged), live messages and their edits, deletions and reactions, replies, typing, read
 * receipts, attachments, call entries and the call stage of one conversation. An `mls` conversation
 * is end-to-end encrypted: its messages and files are encrypted on this device and shown as this
 * device decrypted them (encrypted-timeline.ts).
 */
export function chatView(client: SecureConnectClient, people: People, item: LiveConversation, title: string, options: ChatViewOptions): ChatView {
  const conversationId = item.id;
  const me = client.userId ?? "";
  const encrypted = item.encryption === "mls";
  const otherId = item.type === "direct" ? (item.members.find((m) => m.user_id !== me)?.user_id ?? null) : null;
  const list = h("ol", { class: "messages", testid: "messages", attrs: { "aria-label": "Messages", tabindex: "0" } });
  const older = h("button", { class: "link", testid: "load-older", text: "Load older messages", on: { click: () => void loadOlder() } });
  const typing = h("p", { class: "typing", testid: "typing", attrs: { "aria-live": "polite" } });
  const state = h("span", { class: "state", testid: "connection", text: "connecting" });
  const error = h("p", { class: "error", testid: "chat-error", attrs: { role: "alert" } });
  const inCall = (active: boolean) => element.classList.toggle("in-call", active);
  // A group's call goes through the SFU (a grid), a direct conversation's stays peer to peer.
  const calls = item.type === "group" ? groupCallGrid(client, conversationId) : callPanel(client, conversationId, inCall);
  const messages = new Map<number, Message>();
  const rows = new Map<number, HTMLLIElement>();
  const callRows = new Map<string, HTMLLIElement>();
  const callsKnown = new Map<string, CallEntry>();
  let oldestSeq: number | null = null;
  let theirReadSeq = 0;
  let lastMarked = 0;
  let conn: ChatConnection | null = null;
  let echat: EncryptedChat | null = null;
  // What is sent before the live chat is open (typed while history or an encrypted catch-up loads) waits for it.
  const [liveChat, openedChat] = opening<ChatConnection>();
  const [liveEncrypted, openedEncrypted] = opening<EncryptedChat>();
  const pendingList = h("ol", { class: "messages pending", testid: "pending-messages" });
  const security = encrypted ? securityPanel(client, conversationId, otherId, title) : null;
  let closed = false;
  let role = item.role;
  const titleText = h("h2", { testid: "chat-title", text: title });

  const ctx: RowContext = {
    client,
    people,
    quoted: (seq) => messages.get(seq) ?? timeline?.item(seq),
    canModerate: () => item.type === "group" && (role === "owner" || role === "admin"),
    openProfile: options.openProfile,
    actions: {
      reply: (seq) => box.reply(seq),
      edit: (seq) => {
        const body = messages.get(seq)?.body ?? timeline?.item(seq)?.body;
        if (body) box.edit(seq, body);
      },
      // A deletion is the server's (it clears the ciphertext too); the room's frame redraws the row.
      remove: (seq) => void act(client.api.messages.delete(conversationId, seq)),
      react: (seq, emoji, on) => {
        // Encrypted: the reaction is an MLS message of its own, folded in when it comes back.
        if (encrypted) tell(liveEncrypted.then((chat) => chat.react(seq, emoji, on)));
        else void act(on ? client.api.messages.react(conversationId, seq, emoji) : client.api.messages.unreact(conversationId, seq, emoji));
      },
    },
  };
  const timeline = encrypted ? new EncryptedTimeline(ctx, list, () => theirReadSeq) : null;

  /** An encrypted edit or reaction: shown when the room relays it back, so only a failure is for here. */
  function tell(work: Promise<unknown>): void {
    error.textContent = "";
    work.catch((err: unknown) => (error.textContent = errorText(err)));
  }

  /** Edits, deletions and reactions answer with the message: shown at once, and again (idempotently) by the room's frame. */
  async function act(request: Promise<{ message: Message }>): Promise<void> {
    error.textContent = "";
    try {
      update((await request).message);
    } catch (err) {
      error.textContent = errorText(err);
    }
  }

  function statusOf(message: Pick<Message, "sender_id" | "seq">) {
    return message.sender_id === me ? (message.seq <= theirReadSeq ? "seen" : "sent") : null;
  }

  function render(message: Message): HTMLLIElement {
    const row = messageItem(ctx, message, statusOf(message));
    row.dataset.at = message.created_at;
    return row;
  }

  function place(message: Message, prepend = false): void {
    if (rows.has(message.seq)) return update(message);
    messages.set(message.seq, message);
    const row = render(message);
    rows.set(message.seq, row);
    const after = [...rows.keys()].filter((seq) => seq > message.seq).sort((a, b) => a - b)[0];
    const before = after === undefined ? null : (rows.get(after) ?? null);
    if (prepend || before) list.insertBefore(row, before);
    else list.append(row);
    if (!prepend) row.scrollIntoView({ block: "end" });
    // A reply that arrived before the message it quotes (paging) gets its quote now.
    redrawRepliesTo(message.seq);
  }

  /** Replies show the quoted message as it is now (edited, deleted). */
  function redrawRepliesTo(seq: number): void {
    for (const other of messages.values()) if (other.reply_to_seq === seq && other.seq > seq) update(other);
  }

  /** A message_updated frame or an action's answer: the row is drawn again in place. */
  function update(message: Message): void {
    const old = rows.get(message.seq);
    if (!old) return;
    messages.set(message.seq, message);
    const row = render(message);
    const hadFocus = old.contains(document.activeElement);
    old.replaceWith(row);
    rows.set(message.seq, row);
    if (hadFocus) row.querySelector<HTMLElement>("[data-testid=react]")?.focus();
    redrawRepliesTo(message.seq);
  }

  function markSeen(upTo: number): void {
    theirReadSeq = Math.max(theirReadSeq, upTo);
    timeline?.render();
    for (const [seq, row] of rows) {
      const badge = row.querySelector("[data-testid=status]");
      if (badge && seq <= theirReadSeq && badge.getAttribute("data-status") !== "seen") badge.replaceWith(statusBadge("seen"));
    }
  }

  function readUpTo(seq: number): void {
    if (seq <= lastMarked || document.visibilityState === "hidden") return;
    lastMarked = seq;
    if (!conn?.markRead(seq)) void client.api.messages.markRead(conversationId, seq).catch(() => undefined);
  }

  /**
   * Call entries sit among the messages by time; a ringing one is replaced when the call ends. Only
   * those within the loaded history are drawn (older ones come with "Load older messages").
   */
  function drawCalls(): void {
    for (const row of callRows.values()) row.remove();
    callRows.clear();
    const oldest = oldestSeq === null ? undefined : messages.get(oldestSeq)?.created_at;
    const moreHistory = !older.hidden;
    for (const entry of [...callsKnown.values()].sort((a, b) => a.at.localeCompare(b.at))) {
      if (moreHistory && oldest !== undefined && entry.at < oldest) continue;
      const row = notice(entry.text, entry.at, entry.kind);
      row.dataset.at = entry.at;
      row.dataset.callId = entry.id;
      callRows.set(entry.id, row);
      const next = [...list.children].find((el) => el instanceof HTMLElement && el.dataset.at !== undefined && el.dataset.at > entry.at);
      list.insertBefore(row, next ?? null);
    }
  }

  async function refreshCalls(): Promise<void> {
    const entries = await callEntries(client, conversationId);
    if (closed) return;
    callsKnown.clear();
    for (const entry of entries) callsKnown.set(entry.id, entry);
    drawCalls();
  }

  async function loadOlder(): Promise<void> {
    if (oldestSeq === null || oldestSeq <= 1) return;
    if (echat && timeline) {
      // Older pages come from this device's records (what it decrypted when they arrived), or read as not decryptable.
      const page = await echat.history(PAGE, oldestSeq);
      timeline.add(page.messages);
      oldestSeq = page.oldestSeq ?? oldestSeq;
      older.hidden = !page.hasMore;
      return;
    }
    const page = await client.api.messages.list(conversationId, { before_seq: oldestSeq, limit: PAGE });
    for (const message of page.messages) place(message, true);
    oldestSeq = Math.min(oldestSeq, ...page.messages.map((m) => m.seq));
    older.hidden = !page.has_more;
    drawCalls();
  }

  /** An encrypted conversation: history decrypted (or read from this device's records), then the live chat. */
  async function startEncrypted(view: EncryptedTimeline): Promise<ChatConnection> {
    await client.e2ee.catchUp(conversationId);
    const chat = client.encryptedChat(conversationId, {});
    echat = chat;
    openedEncrypted(chat);
    // Wired before the history loads: the socket may be ready, and the room's read watermarks sent, meanwhile.
    wire(chat.connection);
    chat.on("message", (message) => {
      view.add([message]);
      if (message.sender_id !== client.userId) readUpTo(message.seq);
    });
    chat.on("deleted", ({ seq }) => view.deleted(seq));
    // Joined by Welcome, or rejoined after this device lost its state (the chat's device check does it).
    chat.on("joined", ({ seq }) => view.joined(seq));
    const page = await chat.history(PAGE);
    view.add(page.messages);
    oldestSeq = page.oldestSeq;
    older.hidden = !page.hasMore;
    readUpTo(view.newestSeq());
    return chat.connection;
  }

  async function start(): Promise<void> {
    if (timeline) {
      conn = await startEncrypted(timeline);
      if (closed) conn.close();
      return;
    }
    const page = await client.api.messages.list(conversationId, { limit: PAGE });
    if (closed) return;
    const newest = page.messages.reduce((max, m) => Math.max(max, m.seq), 0);
    oldestSeq = page.messages.reduce((min, m) => Math.min(min, m.seq), newest);
    older.hidden = !page.has_more;
    for (const message of [...page.messages].reverse()) place(message);
    readUpTo(newest);
    void refreshCalls();
    // Resume right after the newest message shown: anything newer is replayed, nothing is missed.
    conn = client.chat(conversationId, { sinceSeq: newest });
    conn.on("message", (message) => {
      list.querySelector(`[data-client-id="${CSS.escape(message.client_id)}"]`)?.remove();
      place(message);
      if (message.sender_id !== me) readUpTo(message.seq);
    });
    conn.on("message_updated", update);
    wire(conn);
    openedChat(conn);
  }

  /** State, read receipts, typing, calls and errors: the same for both kinds of conversation. */
  function wire(conn: ChatConnection): void {
    state.textContent = conn.ready ? "online" : conn.state;
    conn.on("state", (s) => (state.textContent = s));
    conn.on("ready", () => (state.textContent = "online"));
    conn.on("read", (frame) => {
      if (frame.user_id !== me) markSeen(frame.seq);
    });
    conn.on("typing", (ids) => {
      const others = ids.filter((id) => id !== me).map((id) => people.known(id) ?? "Someone");
      typing.textContent = others.length > 0 ? `${others.join(", ")} ${others.length > 1 ? "are" : "is"} typing…` : "";
    });
    conn.on("call", () => void refreshCalls());
    conn.on("error", (frame) => (error.textContent = `${frame.code}: ${frame.message}`));
  }

  /** Shows the message at once as "sending…"; the outbox delivers it, across reconnects if need be. */
  function send(body: string, replyTo: number | null, attachments: string[] = []): void {
    if (encrypted) return sendEncrypted(liveEncrypted, pendingList, { body, files: [], replyTo }, (err) => (error.textContent = errorText(err)));
    const pending = { client_id: crypto.randomUUID(), body, attachments, ...(replyTo ? { reply_to_seq: replyTo } : {}) };
    const shown: ShownMessage = { ...pending, sender_id: me, created_at: new Date().toISOString() };
    const row = messageItem(ctx, shown, "sending");
    row.dataset.clientId = pending.client_id;
    list.append(row);
    row.scrollIntoView({ block: "end" });
    liveChat
      .then((live) => live.send(pending))
      .then(
        () => row.querySelector("[data-testid=status]")?.replaceWith(statusBadge("sent")),
        (err: unknown) => {
          // Refused for good (the outbox will not retry it): say so on the message itself.
          row.querySelector("[data-testid=status]")?.replaceWith(statusBadge("failed"));
          error.textContent = errorText(err);
        },
      );
  }

  async function attach(chosen: File, caption: string, replyTo: number | null): Promise<void> {
    error.textContent = "";
    try {
      if (encrypted) {
        // Encrypted on this device first: the server stores ciphertext under a neutral name.
        const sealed = await client.uploadEncrypted(fromBlob(chosen, chosen.name), conversationId);
        sendEncrypted(
          liveEncrypted,
          pendingList,
          { body: caption || `Sent ${chosen.name}`, files: [sealed], replyTo },
          (err) => (error.textContent = errorText(err)),
        );
        return;
      }
      const stored = await client.upload(fromBlob(chosen, chosen.name), { conversationId });
      send(caption || `Sent ${stored.file_name}`, replyTo, [stored.id]);
    } catch (err) {
      error.textContent = errorText(err);
    }
  }

  const box = composer(me, conversationId, {
    send: (body, replyTo) => send(body, replyTo),
    edit: (seq, body) =>
      encrypted ? tell(liveEncrypted.then((chat) => chat.edit(seq, body))) : void act(client.api.messages.edit(conversationId, seq, { body })),
    attach: (file, caption, replyTo) => void attach(file, caption, replyTo),
    typing: () => conn?.typing(),
    describe: (seq) => {
      const message = messages.get(seq);
      if (!message) return "a message";
      const who = message.sender_id === me ? "yourself" : (people.known(message.sender_id) ?? "someone");
      return `${who}: ${messageText(message).slice(0, 80)}`;
    },
  });
  const onVisible = () => readUpTo(Math.max(0, ...rows.keys()));
  document.addEventListener("visibilitychange", onVisible);

  const details = options.openDetails;
  const element = h(
    "div",
    { class: "chat", testid: "chat" },
    h(
      "header",
      {},
      titleText,
      encrypted ? h("span", { class: "e2ee", testid: "e2ee-badge", text: "🔒 end-to-end encrypted" }) : null,
      state,
      security?.button,
      details ? h("button", { class: "link", testid: "group-details", text: "Group info", on: { click: details } }) : null,
      calls.button,
    ),
    h(
      "div",
      { class: "chat-body" },
      h("div", { class: "conversation-column" }, options.controls ?? null, security?.panel ?? null, older, list, pendingList, typing, error, box.element),
      calls.stage,
    ),
  );
  start().catch((err: unknown) => (error.textContent = errorText(err)));
  return {
    conversationId,
    element,
    acceptCall: (callId) => calls.accept(callId),
    update(next, nextTitle) {
      titleText.textContent = nextTitle;
      role = next.role;
    },
    close() {
      closed = true;
      if (echat) echat.close();
      else conn?.close();
      security?.close();
      calls.close();
      document.removeEventListener("visibilitychange", onVisible);
      clear(element);
    },
  };
}

/** A connection that opens later, and the call that hands it over. */
function opening<T>(): [Promise<T>, (value: T) => void] {
  let open: (value: T) => void = () => undefined;
  const promise = new Promise<T>((resolve) => (open = resolve));
  return [promise, open];
}
