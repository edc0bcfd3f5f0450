import { DISAPPEARING_TIMER_CONTENT_TYPE, type DisappearingEnvelope } from "../../../../lib/contracts/account-controls";
import { newId } from "../../../../lib/ids";
import { describeError, log } from "../../../../lib/log";
import { unwrap } from "../../../../lib/result";
import type { MessageStore } from "./message-store";
import type { RoomActions } from "./room-actions";
import type { RoomAlarms } from "./room-alarms";
import type { RoomMembers } from "./room-members";
import type { SendBatcher } from "./send-batcher";

/** Erasures per alarm run; more re-arm the alarm at once (bounded CPU per invocation). */
const ERASE_BATCH = 200;

/**
 * Disappearing messages (issue 21). The timer lives in the room's meta table; a message stored
 * while it is on carries `expires_at`. The room's alarm (RoomAlarms "expiry", multiplexed with the
 * list-view copy) fires at the earliest `expires_at` (a partial index answers it: no scan), turns the
 * due messages into tombstones (seq stays gap-free; history, replay and the list view then show only
 * the content-free tombstone, as for a delete) and asks storage to delete their attachments. Both
 * the deadline and the alarm are durable, so erasure happens on time across evictions and restarts.
 */
export class Disappearing {
  constructor(
    private readonly env: ChatEnv,
    private readonly store: MessageStore,
    private readonly members: RoomMembers,
    private readonly actions: RoomActions,
    private readonly sends: SendBatcher,
    private readonly alarms: RoomAlarms,
  ) {}

  /** Sets the timer and leaves the change in the conversation as a message every member sees. */
  async set(userId: string, seconds: number | null, requestId: string): Promise<DisappearingEnvelope> {
    this.actions.requireTimerSetter(userId);
    const conversationId = this.members.known?.conversationId ?? "";
    await this.sends.send(
      userId,
      { client_id: `disappearing:${newId()}`, content_type: DISAPPEARING_TIMER_CONTENT_TYPE, body: JSON.stringify({ seconds }) },
      requestId,
    );
    this.members.setDisappearingSeconds(seconds);
    return { disappearing: { conversation_id: conversationId, seconds } };
  }

  /** After messages with a deadline were stored: the alarm covers the earliest one. */
  async scheduleNext(): Promise<void> {
    const next = this.store.nextExpiry();
    if (next !== null) await this.alarms.want("expiry", next);
  }

  /** The alarm's work: erase what is due, delete its files, arm for the next deadline. */
  async eraseDue(now = Date.now()): Promise<void> {
    const due = this.store.dueForExpiry(now, ERASE_BATCH);
    const filesBySender = new Map<string, string[]>();
    for (const { seq, senderId, attachments } of due) {
      this.actions.expire(seq);
      if (attachments.length > 0) filesBySender.set(senderId, [...(filesBySender.get(senderId) ?? []), ...attachments]);
    }
    if (due.length === ERASE_BATCH) await this.alarms.want("expiry", now);
    else await this.scheduleNext();
    await this.deleteFiles(filesBySender);
  }

  /** Best effort: the messages are already erased; a file that could not be deleted is logged (its upload cleanup stays). */
  private async deleteFiles(filesBySender: Map<string, string[]>): Promise<void> {
    const conversationId = this.members.known?.conversationId;
    if (!conversationId) return;
    for (const [userId, fileIds] of filesBySender) {
      for (let i = 0; i < fileIds.length; i += 100) {
        try {
          unwrap(
            await this.env.STORAGE.deleteExpiredAttachments(
              { requestId: `expiry:${conversationId}`, userId },
              { conversation_id: conversationId, file_ids: fileIds.slice(i, i + 100) },
            ),
          );
        } catch (err) {
          log({ event: "unhandled_error", where: "chat.disappearing_files", error: describeError(err) }, "warn");
        }
      }
    }
  }
}
