import type { EncryptedFile, Message, SecureConnectClient } from "../../client/src/index";
import { avatar } from "./avatar";
import { h, shortTime } from "./dom";
import { messageActions, type MessageActionHandlers } from "./message-actions";
import { BLOCKED_TEXT, isMissedCall, messageText } from "./message-text";
import type { People } from "./people";

export type Status = "sending" | "sent" | "seen" | "failed";

/**
 * A stored message, or one still on its way (no seq yet, no reactions, not edited). An encrypted
 * conversation's message is shown as this device decrypted it, its files sealed (`sealedFiles`).
 */
export type ShownMessage = Pick<Message, "body" | "attachments" | "created_at" | "sender_id"> &
  Partial<Pick<Message, "seq" | "content_type" | "ciphertext" | "deleted" | "edited_at" | "reactions" | "reply_to_seq" | "sender_blocked">> & {
    sealedFiles?: EncryptedFile[];
  };

/** What a reply's quote shows of the message it quotes. */
export type Quotable = Pick<Message, "sender_id" | "body" | "content_type"> & Partial<Pick<Message, "ciphertext" | "deleted">>;

/** What every row of one conversation shares. */
export interface RowContext {
  client: SecureConnectClient;
  people: People;
  /** The message a reply quotes, if it is loaded. */
  quoted: (seq: number) => Quotable | undefined;
  /** Actions on stored messages; none for pending ones. */
  actions: MessageActionHandlers;
  /** Owners and admins of a group may delete others' messages. */
  canModerate: () => boolean;
  openProfile: (userId: string) => void;
}

/** One message row: avatar and name for others' messages, the quoted message, reactions, actions; `status` only for our own. */
export function messageItem(ctx: RowContext, message: ShownMessage, status: Status | null): HTMLLIElement {
  const { client, people } = ctx;
  const mine = message.sender_id === client.userId;
  const shown = {
    content_type: message.content_type ?? "text/plain",
    body: message.body,
    ciphertext: message.ciphertext ?? null,
    deleted: message.deleted ?? false,
  };
  // The server marks our copy of a message from someone we block (a shared group): its content stays hidden.
  if (message.sender_blocked) return notice(BLOCKED_TEXT, message.created_at, "blocked");
  // A missed call is the server's trace, sent in the caller's name: a notice in the middle, not a bubble.
  if (isMissedCall(shown)) return notice(messageText({ ...shown, sender_id: message.sender_id }, client.userId), message.created_at, "missed");

  const sender = h("button", {
    class: "sender link",
    testid: "message-sender",
    text: mine ? "You" : (people.known(message.sender_id) ?? "…"),
    attrs: { type: "button", "aria-label": mine ? "You (your profile)" : "Sender's profile" },
    on: { click: () => ctx.openProfile(message.sender_id) },
  });
  if (!mine && !people.known(message.sender_id)) {
    void people.name(message.sender_id).then((name) => {
      sender.textContent = name;
      sender.setAttribute("aria-label", `Profile of ${name}`);
    });
  } else if (!mine) sender.setAttribute("aria-label", `Profile of ${sender.textContent ?? ""}`);

  const stored = message.seq !== undefined;
  const bubble = h(
    "div",
    { class: "bubble" },
    sender,
    message.reply_to_seq ? quote(ctx, message.reply_to_seq) : null,
    h("span", { class: `body${shown.deleted ? " deleted" : ""}`, testid: "message-body", text: messageText(shown) }),
    ...(shown.deleted ? [] : message.attachments.map((fileId) => attachmentLink(client, fileId))),
    ...(shown.deleted ? [] : (message.sealedFiles ?? []).map((file) => sealedFileLink(client, file))),
    reactionChips(ctx, message),
    h(
      "span",
      { class: "meta" },
      message.edited_at && !shown.deleted ? h("span", { class: "edited", testid: "edited", text: "edited" }) : null,
      h("time", { text: shortTime(message.created_at), attrs: { datetime: message.created_at } }),
      status ? statusBadge(status) : null,
    ),
  );
  const row = h(
    "li",
    { class: `message ${mine ? "mine" : "theirs"}`, testid: "message" },
    mine ? null : avatar(people, message.sender_id),
    bubble,
    stored && !shown.deleted && message.seq !== undefined
      ? messageActions(ctx.actions, message.seq, { canEdit: mine && shown.body !== null, canDelete: mine || ctx.canModerate() })
      : null,
  );
  if (message.seq !== undefined) row.dataset.seq = String(message.seq);
  return row;
}

/** A centred line between messages: missed calls and the call history's entries. */
export function notice(text: string, at: string, kind: string): HTMLLIElement {
  return h(
    "li",
    { class: `message notice ${kind}`, testid: "message", attrs: { "data-kind": kind } },
    h("span", { class: "body", testid: "message-body", text }),
    h("span", { class: "meta" }, h("time", { text: shortTime(at), attrs: { datetime: at } })),
  );
}

function quote(ctx: RowContext, seq: number): HTMLElement {
  const original = ctx.quoted(seq);
  const mine = original?.sender_id === ctx.client.userId;
  const who = h("strong", { text: !original ? "" : mine ? "You" : (ctx.people.known(original.sender_id) ?? "…") });
  if (original && !mine && !ctx.people.known(original.sender_id)) void ctx.people.name(original.sender_id).then((name) => (who.textContent = name));
  return h("blockquote", { class: "quote", testid: "reply-quote" }, who, h("span", { text: original ? messageText(original) : "An earlier message" }));
}

function reactionChips(ctx: RowContext, message: ShownMessage): HTMLElement | null {
  const reactions = (message.reactions ?? []).filter((r) => r.user_ids.length > 0);
  const seq = message.seq;
  if (reactions.length === 0 || seq === undefined || message.deleted) return null;
  const me = ctx.client.userId ?? "";
  return h(
    "div",
    { class: "reactions", testid: "reactions" },
    ...reactions.map((r) => {
      const mineToo = r.user_ids.includes(me);
      return h("button", {
        class: `chip${mineToo ? " pressed" : ""}`,
        testid: "reaction",
        text: `${r.emoji} ${r.user_ids.length}`,
        attrs: { type: "button", "aria-pressed": String(mineToo), "aria-label": `${r.emoji} ${r.user_ids.length}, ${mineToo ? "remove yours" : "add yours"}` },
        on: { click: () => ctx.actions.react(seq, r.emoji, !mineToo) },
      });
    }),
  );
}

export function statusBadge(status: Status): HTMLSpanElement {
  const label = status === "sending" ? "sending…" : status === "sent" ? "✓ sent" : status === "failed" ? "not sent" : "✓✓ seen";
  return h("span", { class: `status ${status}`, testid: "status", attrs: { "data-status": status }, text: label });
}

/** Resolves the file's name and a short-lived download URL (only members of the conversation get one). */
function attachmentLink(client: SecureConnectClient, fileId: string): HTMLAnchorElement {
  const link = h("a", { class: "attachment", testid: "attachment", text: "attachment", attrs: { rel: "noopener", target: "_blank" } });
  client.api.storage.downloadUrl(fileId).then(
    ({ download_url, file }) => {
      link.textContent = `${file.file_name} (${file.size_bytes} B)`;
      link.href = download_url;
      link.download = file.file_name;
    },
    () => (link.textContent = "attachment unavailable"),
  );
  return link;
}

/** Downloads the ciphertext, checks its digest and decrypts it on the device; the server never had the file. */
export function sealedFileLink(client: SecureConnectClient, file: EncryptedFile): HTMLAnchorElement {
  const link = h("a", { class: "attachment", testid: "attachment", text: `${file.name} (${file.size} B)`, attrs: { href: "#" } });
  link.addEventListener("click", (event) => {
    if (link.dataset.ready) return;
    event.preventDefault();
    void client.downloadDecrypted(file).then((bytes) => {
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
