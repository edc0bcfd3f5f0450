import type { MailboxEntry } from "./types";

/** Remembered acknowledged ids: the mailbox holds at most 1,000 entries, so twice that covers any redelivery. */
const ACKED_MEMORY = 2_000;

/**
 * Which mailbox entries this stream already handed to the app. The server sends every
 * unacknowledged entry again on each connect, so the same id can arrive twice: while the app still
 * holds it (not repeated), or after we acknowledged it on a socket that dropped before the server
 * read the ack (not repeated, but acknowledged again).
 */
export class MailboxDeliveries {
  private readonly held = new Set<string>();
  private readonly acked = new Set<string>();

  /** The entries to hand to the app, and ids to acknowledge again. */
  receive(entries: MailboxEntry[]): { fresh: MailboxEntry[]; reack: string[] } {
    const fresh: MailboxEntry[] = [];
    const reack: string[] = [];
    for (const entry of entries) {
      if (this.acked.has(entry.id)) reack.push(entry.id);
      else if (!this.held.has(entry.id)) {
        this.held.add(entry.id);
        fresh.push(entry);
      }
    }
    return { fresh, reack };
  }

  acknowledged(ids: readonly string[]): void {
    for (const id of ids) {
      this.held.delete(id);
      this.acked.add(id);
    }
    for (const id of this.acked) {
      if (this.acked.size <= ACKED_MEMORY) break;
      this.acked.delete(id); // oldest first: a Set iterates in insertion order
    }
  }

  /** The app failed to process these: hand them over again when the server redelivers them. */
  release(ids: readonly string[]): void {
    for (const id of ids) this.held.delete(id);
  }
}
