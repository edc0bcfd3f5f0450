import { CHAT_LIMITS, utf8Bytes, type MessageView, type SendMessageInput } from "../../../../lib/contracts/chat";
import type { EditMessageBody, HistoryQueryInput, MessagePage, ReadWatermark } from "../../../../lib/contracts/chat-rpc";
import { AppError } from "../../../../lib/errors";
import { newId } from "../../../../lib/ids";
import type { MessageStore } from "./message-store";
import type { MlsRules, SendOrigin } from "./mls-rules";
import type { RoomBlocks } from "./room-blocks";
import type { RoomMembers } from "./room-members";
import type { RoomSockets } from "./room-sockets";

/** Distinct emojis one message may carry. */
const MAX_DISTINCT_REACTIONS = 50;

/** What the room needs after a change; the DO wires these to the list sync and the push queue. */
export interface RoomEffects {
  edited(seq: number, change: "edit" | "delete" | "reaction"): void;
  readAdvanced(userId: string, seq: number): void;
}

/**
 * Every message operation, shared by the REST path (DO RPC) and the socket path, so both follow
 * the same rules. Each throws AppError for expected refusals; the callers turn that into a Result or
 * an error frame.
 */
export class RoomActions {
  constructor(
    private readonly store: MessageStore,
    private readonly members: RoomMembers,
    private readonly sockets: RoomSockets,
    private readonly effects: RoomEffects,
    private readonly mls: MlsRules,
    private readonly blocks: RoomBlocks,
  ) {}

  requireMember(userId: string): void {
    if (!this.members.roleOf(userId)) throw new AppError("NOT_FOUND", "No such conversation.");
  }

  requireUnblocked(): void {
    this.members.requireUnblocked();
  }

  /** The members who must not hear of `userId`'s presence, typing or reads (a block either way: room-blocks.ts). */
  hiddenFrom(userId: string): ReadonlySet<string> {
    return this.blocks.hiddenFrom(userId);
  }

  /**
   * One write (INSERT … ON CONFLICT DO NOTHING); the SendBatcher fans out what a turn stored, then
   * acks. A commit or proposal is checked against the room's epoch after the retry check (a stored
   * commit sent again is answered with the original, not a 409) and advances it in the same turn.
   */
  send(userId: string, input: SendMessageInput, origin: SendOrigin = "client"): { message: MessageView; created: boolean } {
    this.requireMember(userId);
    this.members.requireUnblocked();
    const plan = this.mls.plan(input, origin);
    checkSize(input.body ?? input.ciphertext ?? "", plan.maxBytes);
    if (input.reply_to_seq !== undefined && input.reply_to_seq > this.store.lastSeq) {
      throw new AppError("VALIDATION_ERROR", "reply_to_seq does not exist.", [{ field: "reply_to_seq", message: "no such message" }]);
    }
    if (plan.gated) {
      const original = this.store.byClientId(userId, input.client_id);
      if (original) return { message: original, created: false };
      this.mls.requireEpoch(input.epoch);
    }
    const timer = this.members.disappearingSeconds;
    const now = Date.now();
    const message = this.store.insert(
      {
        id: newId(),
        sender_id: userId,
        client_id: input.client_id,
        content_type: plan.contentType,
        body: input.body ?? null,
        ciphertext: input.ciphertext ?? null,
        attachments: input.attachments ?? [],
        reply_to_seq: input.reply_to_seq ?? null,
        epoch: input.epoch ?? null,
        created_at: new Date(now).toISOString(),
      },
      timer === null ? null : now + timer * 1000,
    );
    if (!message) {
      // (sender, client_id) already stored: a retry. Answer with the original, store nothing.
      const original = this.store.byClientId(userId, input.client_id);
      if (!original) throw new AppError("CONFLICT", "The message could not be stored.");
      return { message: original, created: false };
    }
    if (plan.gated) this.mls.stored(plan.contentType, input.group_info, message.created_at);
    return { message, created: true };
  }

  edit(userId: string, seq: number, patch: EditMessageBody): MessageView {
    const message = this.visible(userId, seq);
    if (message.sender_id !== userId) throw new AppError("FORBIDDEN", "Only the sender can edit a message.");
    if (message.deleted) throw new AppError("CONFLICT", "A deleted message cannot be edited.");
    const maxBytes = this.mls.checkEdit(message, patch);
    const wantsCiphertext = patch.ciphertext !== undefined;
    if (wantsCiphertext !== (message.ciphertext !== null)) {
      throw new AppError("VALIDATION_ERROR", "An edit keeps the message's kind (body or ciphertext).", [
        { field: wantsCiphertext ? "ciphertext" : "body", message: "does not match the original message" },
      ]);
    }
    const text = patch.ciphertext ?? patch.body ?? "";
    checkSize(text, maxBytes);
    const content = { body: wantsCiphertext ? null : text, ciphertext: wantsCiphertext ? text : null };
    this.store.edit(seq, patch.epoch === undefined ? content : { ...content, epoch: patch.epoch }, new Date().toISOString());
    return this.updated(seq, "edit");
  }

  /** Who may set the disappearing timer: any member of a direct conversation, the owner or an admin of a group. */
  requireTimerSetter(userId: string): void {
    this.requireMember(userId);
    this.members.requireUnblocked();
    const role = this.members.roleOf(userId);
    if (this.members.known?.type === "group" && role !== "owner" && role !== "admin")
      throw new AppError("FORBIDDEN", "Only a group owner or admin can set disappearing messages.");
  }

  /** Erasure by the disappearing-messages timer: the same tombstone (and fan-out) as a delete. */
  expire(seq: number): void {
    this.store.tombstone(seq);
    this.updated(seq, "delete");
  }

  remove(userId: string, seq: number): MessageView {
    const message = this.visible(userId, seq);
    const role = this.members.roleOf(userId);
    const moderator = this.members.known?.type === "group" && (role === "owner" || role === "admin");
    if (message.sender_id !== userId && !moderator) throw new AppError("FORBIDDEN", "Only the sender or a group admin can delete a message.");
    if (message.deleted) return this.blocks.markFor(userId, message);
    this.store.tombstone(seq);
    return this.blocks.markFor(userId, this.updated(seq, "delete"));
  }

  react(userId: string, seq: number, emoji: string, on: boolean): MessageView {
    const message = this.visible(userId, seq);
    this.mls.checkReaction();
    this.members.requireUnblocked();
    if (message.deleted) throw new AppError("CONFLICT", "A deleted message cannot take reactions.");
    const reactions = this.store.reactionsOf(seq);
    const users = reactions[emoji] ?? [];
    const has = users.includes(userId);
    if (on === has) return this.blocks.markFor(userId, message);
    if (on) {
      if (!reactions[emoji] && Object.keys(reactions).length >= MAX_DISTINCT_REACTIONS)
        throw new AppError("CONFLICT", "This message has too many different reactions.");
      reactions[emoji] = [...users, userId];
    } else {
      const rest = users.filter((u) => u !== userId);
      if (rest.length > 0) reactions[emoji] = rest;
      else delete reactions[emoji];
    }
    this.store.setReactions(seq, reactions);
    return this.blocks.markFor(userId, this.updated(seq, "reaction"));
  }

  /** Read receipt: a watermark that only moves forward; frames only when it moved. */
  read(userId: string, seq: number): ReadWatermark {
    this.requireMember(userId);
    if (seq > this.store.lastSeq) throw new AppError("VALIDATION_ERROR", "seq is past the newest message.", [{ field: "seq", message: "no such message" }]);
    if (this.members.advanceRead(userId, seq)) {
      // A blocked direct conversation keeps the reader's own watermark but tells the other member
      // nothing; in a group, members blocked by the reader (or blocking them) are not told.
      if (!this.members.blocked) this.sockets.broadcast({ type: "read", user_id: userId, seq }, { hiddenFrom: this.blocks.hiddenFrom(userId) });
      this.effects.readAdvanced(userId, seq);
    }
    return { last_read_seq: this.members.lastReadSeq(userId) };
  }

  history(userId: string, q: HistoryQueryInput): MessagePage {
    this.requireMember(userId);
    const page = this.store.page({
      limit: q.limit ?? CHAT_LIMITS.defaultPageSize,
      ...(q.before_seq !== undefined ? { beforeSeq: q.before_seq } : {}),
      ...(q.after_seq !== undefined ? { afterSeq: q.after_seq } : {}),
    });
    return { messages: page.messages.map((m) => this.blocks.markFor(userId, m)), has_more: page.hasMore };
  }

  private visible(userId: string, seq: number): MessageView {
    this.requireMember(userId);
    const message = this.store.get(seq);
    if (!message) throw new AppError("NOT_FOUND", "No such message.");
    return message;
  }

  private updated(seq: number, change: "edit" | "delete" | "reaction"): MessageView {
    const message = this.store.get(seq);
    if (!message) throw new AppError("NOT_FOUND", "No such message.");
    // Those who block the sender get their copy marked (room-blocks.ts), everyone else the shared one.
    const blockers = this.blocks.blockersOf(message.sender_id);
    this.sockets.broadcast({ type: "message_updated", message }, { hiddenFrom: blockers });
    if (blockers.size > 0) this.sockets.sendToUsers([...blockers], { type: "message_updated", message: { ...message, sender_blocked: true } });
    this.effects.edited(seq, change);
    return message;
  }
}

function checkSize(text: string, maxBytes: number): void {
  // Cheap bound first: a string of n UTF-16 units is at most 3n UTF-8 bytes.
  if (text.length * 3 <= maxBytes) return;
  if (text.length > maxBytes || utf8Bytes(text) > maxBytes) {
    throw new AppError("PAYLOAD_TOO_LARGE", `This message's body or ciphertext is at most ${maxBytes} bytes.`);
  }
}
