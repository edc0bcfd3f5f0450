import type { MessageView, SendMessageInput } from "../../../../lib/contracts/chat";
import type { RoomActions } from "./room-actions";

/** Messages one flush stored (retries answered with an original are not in it), with their request ids. */
export type StoredBatch = { message: MessageView; requestId: string }[];

type Pending = {
  userId: string;
  input: SendMessageInput;
  requestId: string;
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

  constructor(
    private readonly actions: RoomActions,
    private readonly stored: (batch: StoredBatch) => void,
  ) {}

  send(userId: string, input: SendMessageInput, requestId: string): Promise<{ message: MessageView; created: boolean }> {
    return new Promise((resolve, reject) => {
      this.pending.push({ userId, input, requestId, resolve, reject });
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
        const result = this.actions.send(item.userId, item.input, item.requestId);
        if (result.created) created.push({ message: result.message, requestId: item.requestId });
        item.resolve(result);
      } catch (err) {
        item.reject(err);
      }
    }
    if (created.length > 0) this.stored(created);
  }
}
