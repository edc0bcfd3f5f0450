import type { DecryptedMessage, SecureConnectClient } from "../../client/src/index";

/**
 * List previews of encrypted conversations: the server only has ciphertext, so the list shows what
 * this device decrypted. A new message in an `mls` conversation makes the device catch up on it (the
 * same seq-ordered handling the open chat uses, so nothing is decrypted twice).
 */
export class EncryptedPreviews {
  private readonly texts = new Map<string, { seq: number; text: string; sender_id: string }>();
  private readonly off: () => void;

  constructor(
    private readonly client: SecureConnectClient,
    onChange: () => void,
  ) {
    this.off = client.e2ee.on("decrypted", ({ conversation_id, messages }) => {
      const last = [...messages].reverse().find((m) => m.seq > (this.texts.get(conversation_id)?.seq ?? 0) && shown(m) !== null);
      if (!last) return;
      this.texts.set(conversation_id, { seq: last.seq, text: shown(last) ?? "", sender_id: last.sender_id });
      onChange();
    });
  }

  /** The newest decrypted text of a conversation, if this device read one. */
  text(conversationId: string): { seq: number; text: string; sender_id: string } | null {
    return this.texts.get(conversationId) ?? null;
  }

  /** A new message arrived in an encrypted conversation: read it now (it lands in `decrypted`). */
  refresh(conversationId: string): void {
    void this.client.e2ee.catchUp(conversationId).catch(() => undefined);
  }

  close(): void {
    this.off();
  }
}

function shown(message: DecryptedMessage): string | null {
  if (message.status === "undecryptable") return "🔒 Could not decrypt this message";
  if (message.status === "deleted") return "Message deleted";
  return message.content?.kind === "text" ? message.content.body : null;
}
