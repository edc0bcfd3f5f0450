import type { Message, SecureConnectClient } from "../../client/src/index";
import { h, shortTime } from "./dom";
import { isMissedCall, messageText } from "./message-text";

export type Status = "sending" | "sent" | "seen" | "failed";

/** One message row; `status` only for our own messages. */
export function messageItem(
  client: SecureConnectClient,
  message: Pick<Message, "body" | "attachments" | "created_at" | "sender_id"> & Partial<Pick<Message, "content_type" | "ciphertext" | "deleted">>,
  sender: string,
  status: Status | null,
): HTMLLIElement {
  const mine = message.sender_id === client.userId;
  const shown = {
    content_type: message.content_type ?? "text/plain",
    body: message.body,
    ciphertext: message.ciphertext ?? null,
    deleted: message.deleted ?? false,
  };
  // A missed call is the server's trace, sent in the caller's name: a notice in the middle, not a bubble.
  if (isMissedCall(shown)) {
    return h(
      "li",
      { class: "message notice", testid: "message" },
      h("span", { class: "body", testid: "message-body", text: messageText(shown) }),
      h("span", { class: "meta" }, h("time", { text: shortTime(message.created_at) })),
    );
  }
  return h(
    "li",
    { class: `message ${mine ? "mine" : "theirs"}`, testid: "message" },
    h("span", { class: "sender", text: mine ? "You" : sender }),
    h("span", { class: "body", testid: "message-body", text: messageText(shown) }),
    ...message.attachments.map((fileId) => attachmentLink(client, fileId)),
    h("span", { class: "meta" }, h("time", { text: shortTime(message.created_at) }), status ? statusBadge(status) : null),
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
