import type { MessageView, SendMessageInput } from "../../../../lib/contracts/chat";
import type { AdmitSend } from "./attachment-check";
import type { SendOrigin } from "./mls-rules";
import type { RoomActions } from "./room-actions";

/** Messages one flush stored (retries answered with an original are not in it), with their request ids. */
export type StoredBatch = { message: MessageView; requestId: string }[];

type Pending = {
  userId: string;
  input: SendMessageInput;
  requestId: string;
  origin: SendOrigin;
  resolve: (value: { message: MessageView; created: boolean }) => void;
  reject: (err: unknown) => void;
};

/**
 * Groups sends that arrive close together (socket frames and REST calls alike) into one turn, so
 * their inserts share one storage commit instead of paying one commit each. The first send of an
 * idle room schedules a flush on the next macrotask; everything that arrives meanwhile (typically
 * while the previous commit is being made durable) joins it. Inside a flush each send runs through
 * RoomActions.send in arrival order (one INSERT each); then `stored` runs once for the whole flush
 * (fan-out, metric, list-view copy, push wake-ups). Answers run as microtasks after the flush, so
 * each message frame goes out before its ack. Frames, acks and RPC answers are released by the output
 * gate only once the commit is durable, so "ack means stored" holds.
 */
export class SendBatcher {
  private pending: Pending[] = [];
  private scheduled = false;
  /** Per sender, the last send still waiting on an attachment check: later sends queue behind it. */
  private readonly tails = new Map<string, Promise<void>>();

  constructor(
    private readonly actions: RoomActions,
    private readonly stored: (batch: StoredBatch) => void,
    private readonly admit: AdmitSend,
  ) {}

  /**
   * A send with attachments waits for their check (an RPC to storage) before it is queued; a send
   * from the same sender that arrives meanwhile waits behind it, so one sender's messages keep the
   * order they were sent in. Sends without attachments and without a check ahead go straight in.
   */
  send(userId: string, input: SendMessageInput, requestId: string, origin: SendOrigin = "client"): Promise<{ message: MessageView; created: boolean }> {
    const tail = this.tails.get(userId);
    const needsCheck = (input.attachments?.length ?? 0) > 0;
    if (!needsCheck && !tail) return this.enqueue(userId, input, requestId, origin);
    const result = (tail ?? Promise.resolve())
      .then(() => (needsCheck ? this.admit(userId, input, requestId) : undefined))
      .then(() => this.enqueue(userId, input, requestId, origin));
    const settled = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(userId, settled);
    void settled.then(() => {
      if (this.tails.get(userId) === settled) this.tails.delete(userId);
    });
    return result;
  }

  private enqueue(userId: string, input: SendMessageInput, requestId: string, origin: SendOrigin): Promise<{ message: MessageView; created: boolean }> {
    return new Promise((resolve, reject) => {
      this.pending.push({ userId, input, requestId, origin, resolve, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      setTimeout(() => this.flush(), 0);
    });
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.pending;
    this.pending = [];
    const created: StoredBatch = [];
    for (const item of batch) {
      try {
        const result = this.actions.send(item.userId, item.input, item.origin);
        if (result.created) created.push({ message: result.message, requestId: item.requestId });
        item.resolve(result);
      } catch (err) {
        item.reject(err);
      }
    }
    if (created.length > 0) this.stored(created);
  }
}
