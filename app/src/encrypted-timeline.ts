import { foldTimeline, type DecryptedMessage, type EncryptedChat, type EncryptedFile, type TimelineItem } from "../../client/src/index";
import { clear, h } from "./dom";
import { messageItem, statusBadge, type Quotable, type RowContext } from "./message-item";

/**
 * The rows of an end-to-end encrypted conversation: messages as this device decrypted them, edits
 * and reactions folded in, drawn like every other message (sender, quote, reactions, actions); a
 * "could not decrypt" marker (never garbled text) for what this device cannot read. History starts
 * after the commit this device joined at (a Welcome, or a rejoin after it lost its state): what came
 * before is not shown, as the SDK's history does not return it, so the view is the same before and
 * after a reload.
 */
export class EncryptedTimeline {
  private readonly messages = new Map<number, DecryptedMessage>();
  private items = new Map<number, TimelineItem>();
  private joinedSeq = 0;

  constructor(
    private readonly ctx: RowContext,
    private readonly list: HTMLElement,
    private readonly theirReadSeq: () => number,
  ) {}

  add(messages: DecryptedMessage[]): void {
    for (const message of messages) if (message.seq > this.joinedSeq) this.messages.set(message.seq, message);
    this.render();
  }

  /** This device joined at `seq`: the "could not decrypt" rows shown for earlier messages while it waited go. */
  joined(seq: number): void {
    this.joinedSeq = Math.max(this.joinedSeq, seq);
    for (const known of [...this.messages.keys()]) if (known <= this.joinedSeq) this.messages.delete(known);
    this.render();
  }

  deleted(seq: number): void {
    const message = this.messages.get(seq);
    if (message) this.add([{ ...message, status: "deleted", content: null }]);
  }

  newestSeq(): number {
    return Math.max(0, ...this.messages.keys());
  }

  /** A folded message, for a reply's quote and for the edit box. */
  item(seq: number): (Quotable & { body: string | null }) | undefined {
    const item = this.items.get(seq);
    return item && { sender_id: item.sender_id, body: item.body, content_type: "text/plain", deleted: item.status === "deleted" };
  }

  render(): void {
    const folded = foldTimeline([...this.messages.values()]);
    this.items = new Map(folded.map((item) => [item.seq, item]));
    // Focus stays on the row it was in (a reaction or an edit redraws the list).
    const focusedSeq = (document.activeElement?.closest("[data-seq]") as HTMLElement | null)?.dataset.seq;
    const rows = folded.map((item) => this.row(item));
    clear(this.list, ...rows);
    if (focusedSeq) this.list.querySelector<HTMLElement>(`[data-seq="${focusedSeq}"] [data-testid=react]`)?.focus();
    else rows.at(-1)?.scrollIntoView({ block: "end" });
  }

  private row(item: TimelineItem): HTMLLIElement {
    const mine = item.sender_id === this.ctx.client.userId;
    if (item.status === "undecryptable") {
      const row = h(
        "li",
        { class: `message ${mine ? "mine" : "theirs"}`, testid: "message", attrs: { "data-status": item.status } },
        h("div", { class: "bubble" }, h("span", { class: "body undecryptable", testid: "message-undecryptable", text: "🔒 Could not decrypt this message" })),
      );
      row.dataset.seq = String(item.seq);
      return row;
    }
    const status = mine && item.status === "ok" ? (item.seq <= this.theirReadSeq() ? "seen" : "sent") : null;
    const row = messageItem(
      this.ctx,
      {
        seq: item.seq,
        sender_id: item.sender_id,
        created_at: item.created_at,
        body: item.body,
        content_type: "text/plain",
        attachments: [],
        sealedFiles: item.files,
        deleted: item.status === "deleted",
        edited_at: item.edited ? item.created_at : null,
        reactions: item.reactions,
        reply_to_seq: item.reply_to_seq,
      },
      status,
    );
    row.dataset.status = item.status;
    return row;
  }
}

/** Sends a text (and files, or a reply) over the encrypted chat once it is open, showing it as sending until the room stored it. */
export function sendEncrypted(
  chat: Promise<EncryptedChat>,
  list: HTMLElement,
  message: { body: string; files: EncryptedFile[]; replyTo: number | null },
  onError: (err: unknown) => void,
): void {
  const pending = h(
    "li",
    { class: "message mine", testid: "message" },
    h("div", { class: "bubble" }, h("span", { class: "body", testid: "message-body", text: message.body }), statusBadge("sending")),
  );
  list.append(pending);
  pending.scrollIntoView({ block: "end" });
  chat
    .then((live) => live.send({ body: message.body, files: message.files, ...(message.replyTo ? { reply_to_seq: message.replyTo } : {}) }))
    .then(
      () => pending.remove(),
      (err: unknown) => {
        pending.remove();
        onError(err);
      },
    );
}
