import type { Message } from "../types";
import { concatBytes, frame, fromBase64Url, readFrames, toBase64Url, utf8 } from "./bytes";
import type { MlsEngine, MlsGroup } from "./mls-engine";
import { parsePayload, type ApplicationPayload, type MessageContent } from "./payload";
import type { SecretStore } from "./secret-store";

export const MLS_APPLICATION = "mls/application";
export const MLS_COMMIT = "mls/commit";

/** A message as this device sees it after decryption. */
export interface DecryptedMessage {
  seq: number;
  id: string;
  client_id: string;
  sender_id: string;
  /** The sending device as its payload names it (null when not decrypted). */
  sender_device_id: string | null;
  created_at: string;
  /** File ids the server knows (the ciphertext blobs); keys and names are in `content.files`. */
  attachments: string[];
  /**
   * ok: decrypted and well-formed; undecryptable: tampered, sent for an epoch this device was not in,
   * or not ours to read (shown as "could not decrypt", never as garbled text); deleted: removed by its sender.
   */
  status: "ok" | "undecryptable" | "deleted";
  content: MessageContent | null;
}

interface GroupMeta {
  /** Every message up to this seq was handled (its record written). */
  processed_seq: number;
  /** The seq of the commit that made the current epoch (0: the creator's epoch 0). Commits up to it are in the state already. */
  epoch_seq: number;
}

const groupKey = (cid: string) => `group:${cid}`;
const messageKey = (cid: string, seq: number) => `msg:${cid}:${String(seq).padStart(16, "0")}`;
const sentKey = (cid: string, clientId: string) => `sent:${cid}:${clientId}`;

/**
 * One conversation's MLS group on this device, and the order rule of the delivery service: every
 * message is handled once, in the room's seq order, and its outcome written before the group state
 * that follows it, so a crash in between only repeats work. Every operation runs one at a time.
 */
export class ConversationGroup {
  private chain: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly conversationId: string,
    private readonly engine: MlsEngine,
    private readonly store: SecretStore,
    private groupValue: MlsGroup,
    private meta: GroupMeta,
  ) {}

  static async load(cid: string, engine: MlsEngine, store: SecretStore): Promise<ConversationGroup | null> {
    const parts = readFrames((await store.get(groupKey(cid))) ?? new Uint8Array());
    if (parts?.length !== 2) return null;
    const [metaBytes, state] = parts as [Uint8Array, Uint8Array];
    const meta = JSON.parse(utf8.decode(metaBytes)) as GroupMeta;
    return new ConversationGroup(cid, engine, store, await engine.importGroup(state), meta);
  }

  /** A new group (the creator's) or one joined from a Welcome for the commit stored at `seq`. */
  static async adopt(cid: string, engine: MlsEngine, store: SecretStore, group: MlsGroup, seq: number): Promise<ConversationGroup> {
    const adopted = new ConversationGroup(cid, engine, store, group, { processed_seq: seq, epoch_seq: seq });
    await adopted.persist();
    return adopted;
  }

  get group(): MlsGroup {
    return this.groupValue;
  }

  get processedSeq(): number {
    return this.meta.processed_seq;
  }

  get epochSeq(): number {
    return this.meta.epoch_seq;
  }

  /** Runs `task` after every earlier one (a failure does not block the next). */
  serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.chain.then(task, task);
    this.chain = run.catch(() => undefined);
    return run;
  }

  /**
   * Handles messages (any order, repeats allowed) after `processed_seq`, in seq order; earlier ones
   * come from their records. `onCommit` sees each other member's commit once it applied.
   * Call inside `serial`.
   */
  async ingest(messages: Message[], selfId: string, onCommit: (next: MlsGroup) => Promise<void>): Promise<DecryptedMessage[]> {
    const out: DecryptedMessage[] = [];
    const sorted = [...messages].sort((a, b) => a.seq - b.seq);
    for (const message of sorted) {
      if (message.seq <= this.meta.processed_seq) {
        const record = await this.record(message.seq);
        if (record && message.content_type !== MLS_COMMIT) out.push(message.deleted ? { ...record, status: "deleted", content: null } : record);
        continue;
      }
      const decrypted = await this.handle(message, selfId, onCommit);
      if (decrypted) {
        await this.store.put(messageKey(this.conversationId, message.seq), utf8.encode(JSON.stringify(decrypted)));
        out.push(decrypted);
      }
      this.meta.processed_seq = message.seq;
      await this.persist();
    }
    return out;
  }

  /** Encrypts a payload for the group; the advanced state and the plaintext (we cannot decrypt our own) are stored first. Call inside `serial`. */
  async encrypt(clientId: string, payload: ApplicationPayload): Promise<{ ciphertext: string; epoch: number }> {
    const { ciphertext, next } = await this.groupValue.encrypt(utf8.encode(JSON.stringify(payload)));
    await this.store.put(sentKey(this.conversationId, clientId), utf8.encode(JSON.stringify(payload)));
    const epoch = this.groupValue.epoch;
    this.groupValue = next;
    await this.persist();
    return { ciphertext: toBase64Url(ciphertext), epoch };
  }

  /** Our own commit was stored by the room at `seq`: its state becomes ours. Call inside `serial`. */
  async adoptCommit(next: MlsGroup, seq: number): Promise<void> {
    this.groupValue = next;
    this.meta.epoch_seq = seq;
    await this.persist();
  }

  private async handle(message: Message, selfId: string, onCommit: (next: MlsGroup) => Promise<void>): Promise<DecryptedMessage | null> {
    const base = {
      seq: message.seq,
      id: message.id,
      client_id: message.client_id,
      sender_id: message.sender_id,
      created_at: message.created_at,
      attachments: message.attachments,
    };
    const bytes = message.ciphertext ? fromBase64Url(message.ciphertext) : null;
    if (message.content_type === MLS_COMMIT) {
      if (message.seq > this.meta.epoch_seq && bytes) await this.applyCommit(bytes, message.seq, onCommit);
      return null;
    }
    if (message.content_type !== MLS_APPLICATION) return null; // proposals (unused) and anything else carry no content
    if (message.deleted) return { ...base, sender_device_id: null, status: "deleted", content: null };
    if (message.sender_id === selfId) {
      const sent = await this.store.get(sentKey(this.conversationId, message.client_id));
      if (sent) {
        await this.store.delete(sentKey(this.conversationId, message.client_id));
        const payload = parsePayload(utf8.decode(sent));
        if (payload) return { ...base, sender_device_id: payload.device_id, status: "ok", content: payload.content };
      }
    }
    const opened = bytes ? await this.groupValue.decrypt(bytes) : null;
    const payload = opened ? parsePayload(utf8.decode(opened.plaintext)) : null;
    if (!opened || !payload) return { ...base, sender_device_id: null, status: "undecryptable", content: null };
    this.groupValue = opened.next;
    // The room vouches for the sender's user; the payload's device must be one of that user's leaves.
    const leaf = this.groupValue.members().find((m) => m.userId === message.sender_id && m.deviceId === payload.device_id);
    if (!leaf) return { ...base, sender_device_id: null, status: "undecryptable", content: null };
    return { ...base, sender_device_id: payload.device_id, status: "ok", content: payload.content };
  }

  private async applyCommit(bytes: Uint8Array, seq: number, onCommit: (next: MlsGroup) => Promise<void>): Promise<void> {
    try {
      const next = await this.groupValue.processCommit(bytes);
      this.groupValue = next;
      this.meta.epoch_seq = seq;
      await onCommit(next);
    } catch {
      // A commit that does not apply (it removed us, or it is damaged): later messages stay undecryptable here.
    }
  }

  private async record(seq: number): Promise<DecryptedMessage | null> {
    const bytes = await this.store.get(messageKey(this.conversationId, seq));
    return bytes ? (JSON.parse(utf8.decode(bytes)) as DecryptedMessage) : null;
  }

  private persist(): Promise<void> {
    return this.store.put(groupKey(this.conversationId), concatBytes([frame(utf8.encode(JSON.stringify(this.meta))), frame(this.groupValue.export())]));
  }
}
