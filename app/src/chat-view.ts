import { fromBlob, type ChatConnection, type EncryptedChat, type Message, type SecureConnectClient } from "../../client/src/index";
import { callPanel } from "./call-panel";
import { clear, errorText, h } from "./dom";
import { EncryptedTimeline, sendEncrypted } from "./encrypted-timeline";
import { messageItem, statusBadge } from "./message-item";
import { securityPanel } from "./security-panel";

export interface ChatView {
  conversationId: string;
  element: HTMLElement;
  /** Answers a call of this conversation that rang. */
  acceptCall(callId: string): void;
  close(): void;
}

const PAGE = 30;

/**
 * History (paged), live messages, typing, read receipts, attachments and calls of one conversation.
 * An `mls` conversation is end-to-end encrypted: its messages and files are encrypted on this device
 * and shown as this device decrypted them (encrypted-timeline.ts).
 */
export function chatView(client: SecureConnectClient, conversationId: string, otherId: string | null, title: string, encrypted = false): ChatView {
  const list = h("ol", { class: "messages", testid: "messages" });
  const older = h("button", { class: "link", testid: "load-older", text: "Load older messages", on: { click: () => void loadOlder() } });
  const typing = h("p", { class: "typing", testid: "typing" });
  const state = h("span", { class: "state", testid: "connection", text: "connecting" });
  const error = h("p", { class: "error", testid: "chat-error" });
  const text = h("input", { testid: "composer", attrs: { placeholder: "Message", autocomplete: "off" } });
  const file = h("input", { testid: "file-input", attrs: { type: "file" } });
  const calls = callPanel(client, conversationId);
  const rows = new Map<number, HTMLLIElement>();
  let oldestSeq: number | null = null;
  let theirReadSeq = 0;
  let lastMarked = 0;
  let conn: ChatConnection | null = null;
  let echat: EncryptedChat | null = null;
  const pendingList = h("ol", { class: "messages pending", testid: "pending-messages" });
  const timeline = encrypted
    ? new EncryptedTimeline(
        client,
        list,
        (id) => senderName(id),
        () => theirReadSeq,
      )
    : null;
  const security = encrypted ? securityPanel(client, conversationId, otherId, title) : null;
  let closed = false;

  function senderName(id: string): string {
    return id === otherId ? title : "someone";
  }

  function place(message: Message, prepend = false): void {
    if (rows.has(message.seq)) return;
    const mine = message.sender_id === client.userId;
    const row = messageItem(client, message, senderName(message.sender_id), mine ? (message.seq <= theirReadSeq ? "seen" : "sent") : null);
    row.dataset.seq = String(message.seq);
    rows.set(message.seq, row);
    const after = [...rows.keys()].filter((seq) => seq > message.seq).sort((a, b) => a - b)[0];
    const before = after === undefined ? null : (rows.get(after) ?? null);
    if (prepend || before) list.insertBefore(row, before);
    else list.append(row);
    if (!prepend) row.scrollIntoView({ block: "end" });
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
  }

  /** An encrypted conversation: history decrypted (or read from this device's records), then the live chat. */
  async function startEncrypted(view: EncryptedTimeline): Promise<ChatConnection> {
    await client.e2ee.catchUp(conversationId);
    const chat = client.encryptedChat(conversationId, {});
    echat = chat;
    chat.on("message", (message) => {
      view.add([message]);
      if (message.sender_id !== client.userId) readUpTo(message.seq);
    });
    chat.on("deleted", ({ seq }) => view.deleted(seq));
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
      wire(conn);
      return;
    }
    const page = await client.api.messages.list(conversationId, { limit: PAGE });
    if (closed) return;
    const newest = page.messages.reduce((max, m) => Math.max(max, m.seq), 0);
    oldestSeq = page.messages.reduce((min, m) => Math.min(min, m.seq), newest);
    older.hidden = !page.has_more;
    for (const message of [...page.messages].reverse()) place(message);
    readUpTo(newest);
    // Resume right after the newest message shown: anything newer is replayed, nothing is missed.
    conn = client.chat(conversationId, { sinceSeq: newest });
    conn.on("message", (message) => {
      document.querySelector(`[data-client-id="${CSS.escape(message.client_id)}"]`)?.remove();
      place(message);
      if (message.sender_id !== client.userId) readUpTo(message.seq);
    });
    wire(conn);
  }

  /** State, read receipts, typing and errors: the same for both kinds of conversation. */
  function wire(conn: ChatConnection): void {
    conn.on("state", (s) => (state.textContent = s));
    conn.on("ready", () => (state.textContent = "online"));
    conn.on("read", (frame) => {
      if (frame.user_id !== client.userId) markSeen(frame.seq);
    });
    conn.on("typing", (ids) => {
      const others = ids.filter((id) => id !== client.userId);
      typing.textContent = others.length > 0 ? `${others.map(senderName).join(", ")} is typing…` : "";
    });
    conn.on("error", (frame) => (error.textContent = `${frame.code}: ${frame.message}`));
  }

  /** Shows the message at once as "sending…"; the outbox delivers it, across reconnects if need be. */
  function send(body: string, attachments: string[] = []): void {
    if (echat) return sendEncrypted(echat, pendingList, body, [], (err) => (error.textContent = errorText(err)));
    if (!conn) return;
    const pending = { client_id: crypto.randomUUID(), body, attachments };
    const row = messageItem(client, { ...pending, sender_id: client.userId ?? "", created_at: new Date().toISOString() }, "", "sending");
    row.dataset.clientId = pending.client_id;
    list.append(row);
    row.scrollIntoView({ block: "end" });
    conn.send(pending).then(
      () => row.querySelector("[data-testid=status]")?.replaceWith(statusBadge("sent")),
      (err: unknown) => (error.textContent = errorText(err)),
    );
  }

  async function attach(): Promise<void> {
    const chosen = file.files?.[0];
    if (!chosen) return;
    error.textContent = "";
    try {
      if (echat) {
        // Encrypted on this device first: the server stores ciphertext under a neutral name.
        const sealed = await client.uploadEncrypted(fromBlob(chosen, chosen.name), conversationId);
        sendEncrypted(echat, pendingList, text.value.trim() || `Sent ${chosen.name}`, [sealed], (err) => (error.textContent = errorText(err)));
        text.value = "";
        return;
      }
      const stored = await client.upload(fromBlob(chosen, chosen.name), { conversationId });
      send(text.value.trim() || `Sent ${stored.file_name}`, [stored.id]);
      text.value = "";
    } catch (err) {
      error.textContent = errorText(err);
    } finally {
      file.value = "";
    }
  }

  const composer = h(
    "form",
    {
      class: "composer",
      testid: "composer-form",
      on: {
        submit: (event) => {
          event.preventDefault();
          const body = text.value.trim();
          if (!body) return;
          send(body);
          text.value = "";
        },
      },
    },
    h("label", { class: "file", attrs: { title: "Attach a file" } }, "Attach", file),
    text,
    h("button", { testid: "send", text: "Send" }),
  );
  text.addEventListener("input", () => conn?.typing());
  file.addEventListener("change", () => void attach());
  const onVisible = () => readUpTo(Math.max(0, ...rows.keys()));
  document.addEventListener("visibilitychange", onVisible);

  const element = h(
    "div",
    { class: "chat", testid: "chat" },
    h(
      "header",
      {},
      h("h2", { testid: "chat-title", text: title }),
      encrypted ? h("span", { class: "e2ee", testid: "e2ee-badge", text: "🔒 end-to-end encrypted" }) : null,
      state,
      security?.button,
      calls.button,
    ),
    security?.panel,
    calls.stage,
    older,
    list,
    pendingList,
    typing,
    error,
    composer,
  );
  start().catch((err: unknown) => (error.textContent = errorText(err)));
  return {
    conversationId,
    element,
    acceptCall: (callId) => calls.accept(callId),
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
