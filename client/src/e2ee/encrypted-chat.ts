import type { ChatConnection } from "../chat-connection";
import type { Delivered } from "../outbox";
import { Emitter } from "../emitter";
import { MLS_APPLICATION, type DecryptedMessage } from "./conversation-group";
import type { E2ee } from "./e2ee";
import type { EncryptedFile, MessageContent } from "./payload";

export interface EncryptedChatEvents {
  /** Each message once, in seq order, decrypted (or marked undecryptable / deleted). Edits and reactions are messages too: fold them with `foldTimeline`. */
  message: DecryptedMessage;
  /** A message was deleted by its sender (the server clears its ciphertext). */
  deleted: { seq: number };
  /**
   * This device joined the group at the commit stored at `seq` (its Welcome, or a rejoin after it lost
   * its state): nothing before it is readable here, so history starts after it (drop what was shown
   * as undecryptable while it waited).
   */
  joined: { seq: number };
}

/**
 * An encrypted conversation's live connection: what `ChatConnection` does (resume, outbox, typing,
 * read), with every message encrypted before it is queued and decrypted, in the room's order,
 * before it is shown. The underlying connection stays reachable for typing, read and state.
 * Opening it checks the conversation's devices against the group (a member's new device is added,
 * a removed one dropped: `E2ee.syncDevices`; a device that lost its state rejoins: `E2ee.rejoin`),
 * and every send waits for a check no older than `deviceCheckMs`, so a message goes to the devices
 * the members have now; a member change the device stream reports (`E2ee.membersChanged`) runs a
 * check at once.
 */
export class EncryptedChat extends Emitter<EncryptedChatEvents> {
  private lastEmitted = 0;
  private readonly offs: Array<() => void> = [];

  constructor(
    private readonly e2ee: E2ee,
    readonly connection: ChatConnection,
  ) {
    super();
    const cid = connection.conversationId;
    this.offs.push(
      connection.on("message", (message) => {
        this.e2ee.ingest(cid, [message]).catch((error: unknown) => console.error("[secureconnect] decrypt failed", error));
      }),
      connection.on("message_updated", (message) => {
        if (message.deleted) this.emit("deleted", { seq: message.seq });
      }),
      e2ee.on("decrypted", ({ conversation_id, messages }) => {
        if (conversation_id !== cid) return;
        for (const message of messages) {
          if (message.seq <= this.lastEmitted) continue;
          this.lastEmitted = message.seq;
          this.emit("message", message);
        }
      }),
      // Someone joined or left: their devices are added or their leaves removed now, not at the next send's check.
      e2ee.on("members_changed", ({ conversation_id }) => {
        if (conversation_id === cid) void this.checkDevices(0);
      }),
      // Joined after the socket opened: what was stored since the join is readable now.
      e2ee.on("joined", ({ conversation_id, seq }) => {
        if (conversation_id !== cid) return;
        this.emit("joined", { seq });
        this.e2ee.catchUp(cid).catch((error: unknown) => console.error("[secureconnect] catch-up failed", error));
      }),
    );
    void this.checkDevices(0);
  }

  get conversationId(): string {
    return this.connection.conversationId;
  }

  /** Sends text (and encrypted files, see `uploadEncrypted`), optionally as a reply; resolves once the room stored it. */
  send(input: { body: string; reply_to_seq?: number; files?: EncryptedFile[] }): Promise<Delivered> {
    const content: MessageContent = {
      kind: "text",
      body: input.body,
      ...(input.reply_to_seq ? { reply_to_seq: input.reply_to_seq } : {}),
      ...(input.files?.length ? { files: input.files } : {}),
    };
    return this.sendContent(content, input.files?.map((f) => f.file_id) ?? []);
  }

  /** An edit of one of our messages, as a new encrypted message naming its target. */
  edit(targetSeq: number, body: string): Promise<Delivered> {
    return this.sendContent({ kind: "edit", target_seq: targetSeq, body }, []);
  }

  react(targetSeq: number, emoji: string, on = true): Promise<Delivered> {
    return this.sendContent({ kind: "reaction", target_seq: targetSeq, emoji, on }, []);
  }

  /**
   * A page of history, decrypted (those handled before come from this device's records): the newest
   * `limit` messages, or those before `beforeSeq`. `oldestSeq` is where the next older page starts.
   */
  async history(limit = 50, beforeSeq?: number): Promise<{ messages: DecryptedMessage[]; hasMore: boolean; oldestSeq: number | null }> {
    const page = await this.e2ee.api.messages.list(this.conversationId, { limit, ...(beforeSeq ? { before_seq: beforeSeq } : {}) });
    const handled = await this.e2ee.ingest(this.conversationId, page.messages);
    const oldestSeq = page.messages.length > 0 ? Math.min(...page.messages.map((m) => m.seq)) : null;
    return { messages: handled.sort((a, b) => a.seq - b.seq), hasMore: page.has_more, oldestSeq };
  }

  close(): void {
    for (const off of this.offs.splice(0)) off();
    this.connection.close();
  }

  /** A device check; a failure (offline, the server busy) never blocks a send: it is retried by the next one. */
  private checkDevices(maxAgeMs?: number): Promise<void> {
    return this.e2ee.ensureDevices(this.conversationId, maxAgeMs).then(
      () => undefined,
      (error: unknown) => console.error("[secureconnect] device check failed", error),
    );
  }

  private async sendContent(content: MessageContent, attachments: string[]): Promise<Delivered> {
    await this.checkDevices();
    const sealed = await this.e2ee.encrypt(this.conversationId, content);
    return this.connection.send({
      client_id: sealed.client_id,
      content_type: MLS_APPLICATION,
      ciphertext: sealed.ciphertext,
      epoch: sealed.epoch,
      ...(attachments.length ? { attachments } : {}),
    });
  }
}
