import {
  foldTimeline,
  type DecryptedMessage,
  type EncryptedChat,
  type EncryptedFile,
  type SecureConnectClient,
  type TimelineItem,
} from "../../client/src/index";
import { clear, h, shortTime } from "./dom";
import { statusBadge } from "./message-item";

/**
 * The rows of an end-to-end encrypted conversation: messages as this device decrypted them, edits
 * and reactions folded in, a "could not decrypt" marker (never garbled text) for what it cannot read,
 * and attachments decrypted on click.
 */
export class EncryptedTimeline {
  private readonly messages = new Map<number, DecryptedMessage>();

  constructor(
    private readonly client: SecureConnectClient,
    private readonly list: HTMLElement,
    private readonly senderName: (id: string) => string,
    private readonly theirReadSeq: () => number,
  ) {}

  add(messages: DecryptedMessage[]): void {
    for (const message of messages) this.messages.set(message.seq, message);
    this.render();
  }

  deleted(seq: number): void {
    const message = this.messages.get(seq);
    if (message) this.add([{ ...message, status: "deleted", content: null }]);
  }

  newestSeq(): number {
    return Math.max(0, ...this.messages.keys());
  }

  render(): void {
    const rows = foldTimeline([...this.messages.values()]).map((item) => this.row(item));
    clear(this.list, ...rows);
    rows.at(-1)?.scrollIntoView({ block: "end" });
  }

  private row(item: TimelineItem): HTMLLIElement {
    const mine = item.sender_id === this.client.userId;
    const body =
      item.status === "undecryptable"
        ? h("span", { class: "body undecryptable", testid: "message-undecryptable", text: "🔒 Could not decrypt this message" })
        : h("span", { class: "body", testid: "message-body", text: item.status === "deleted" ? "Message deleted" : (item.body ?? "") });
    const row = h(
      "li",
      { class: `message ${mine ? "mine" : "theirs"}`, testid: "message", attrs: { "data-seq": String(item.seq), "data-status": item.status } },
      h("span", { class: "sender", text: mine ? "You" : this.senderName(item.sender_id) }),
      item.reply_to_seq ? h("span", { class: "reply", testid: "reply-to", text: `↩ reply to #${item.reply_to_seq}` }) : null,
      body,
      ...item.files.map((file) => this.fileLink(file)),
      item.reactions.length
        ? h("span", { class: "reactions", testid: "reactions", text: item.reactions.map((r) => `${r.emoji} ${r.user_ids.length}`).join("  ") })
        : null,
      h(
        "span",
        { class: "meta" },
        item.edited ? h("span", { class: "edited", text: "edited" }) : null,
        h("time", { text: shortTime(item.created_at) }),
        mine && item.status === "ok" ? statusBadge(item.seq <= this.theirReadSeq() ? "seen" : "sent") : null,
      ),
    );
    return row;
  }

  /** Downloads the ciphertext, checks its digest and decrypts it on the device; the server never had the file. */
  private fileLink(file: EncryptedFile): HTMLAnchorElement {
    const link = h("a", { class: "attachment", testid: "attachment", text: `${file.name} (${file.size} B)`, attrs: { href: "#" } });
    link.addEventListener("click", (event) => {
      if (link.dataset.ready) return;
      event.preventDefault();
      void this.client.downloadDecrypted(file).then((bytes) => {
        if (!bytes) {
          link.textContent = "🔒 Could not decrypt this file";
          return;
        }
        link.dataset.ready = "1";
        link.href = URL.createObjectURL(new Blob([new Uint8Array(bytes)], { type: file.type }));
        link.download = file.name;
        link.dataset.testid = "attachment-ready";
        link.click();
      });
    });
    return link;
  }
}

/** Sends a text (and files) over the encrypted chat, showing it as sending until the room stored it. */
export function sendEncrypted(chat: EncryptedChat, list: HTMLElement, body: string, files: EncryptedFile[], onError: (err: unknown) => void): void {
  const pending = h(
    "li",
    { class: "message mine", testid: "message" },
    h("span", { class: "body", testid: "message-body", text: body }),
    statusBadge("sending"),
  );
  list.append(pending);
  pending.scrollIntoView({ block: "end" });
  chat.send({ body, files }).then(
    () => pending.remove(),
    (err: unknown) => {
      pending.remove();
      onError(err);
    },
  );
}
