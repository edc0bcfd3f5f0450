import { applyEntry, mergeRow, rowFromConversation, rowFromItem, sortRows, totalUnread, type LiveConversation } from "./conversation-list-state";
import type { DeviceStream } from "./device-stream";
import { Emitter } from "./emitter";
import { ApiError } from "./errors";
import type { RestApi } from "./rest";
import type { StreamEntry } from "./types";

export interface ConversationListEvents {
  /** The whole list, newest activity first, after every change. */
  change: LiveConversation[];
  /** A load or a fetch failed (the list keeps what it had; the next reset or `reload()` tries again). */
  error: unknown;
}

export interface ConversationListOptions {
  api: RestApi;
  stream: DeviceStream;
  selfId: () => string | undefined;
  /** Stop paging after this many conversations (default 1,000); `truncated` then says so. */
  maxConversations?: number;
}

const PAGE = 100;

/**
 * The signed-in user's conversations, kept live by the device stream: loads `GET /v1/conversations`
 * (every page, up to a bound) once the stream is live, so nothing falls between the two; then
 * applies the stream's entries (new last message, unread = last_seq − last_read_seq, reads on
 * other devices, added/removed conversations, renames, reordering) and reloads after a `reset`.
 */
export class LiveConversationList extends Emitter<ConversationListEvents> {
  private rows = new Map<string, LiveConversation>();
  /** Entries that arrived while a load was running, applied over its result. */
  private buffered: StreamEntry[] | null = [];
  /** Conversations being fetched, with the entries that arrived meanwhile. */
  private readonly fetching = new Map<string, StreamEntry[]>();
  private generation = 0;
  private isTruncated = false;
  private closed = false;
  private firstLoad: Promise<void>;
  private readonly offs: Array<() => void>;

  constructor(private readonly options: ConversationListOptions) {
    super();
    const { stream } = options;
    this.offs = [stream.on("entry", (entry) => this.onEntry(entry)), stream.on("reset", () => void this.reload())];
    // A list made after the stream went live missed its replay: start from what the stream has handed over.
    this.buffered = stream.listEntries();
    // Loading only once the stream is live: every change after the snapshot then reaches us as an entry.
    this.firstLoad = stream.whenLive().then(() => this.reload());
  }

  /** Newest activity first. */
  get conversations(): LiveConversation[] {
    return sortRows(this.rows.values());
  }

  /** The sum of unread counts (e.g. for the tab title or an app badge). */
  get unreadTotal(): number {
    return totalUnread(this.rows.values());
  }

  get truncated(): boolean {
    return this.isTruncated;
  }

  get(conversationId: string): LiveConversation | undefined {
    return this.rows.get(conversationId);
  }

  /** Resolves after the first load (failed or not). */
  ready(): Promise<void> {
    return this.firstLoad;
  }

  /** Loads the list again (what a `reset` does); entries arriving meanwhile are applied over the result. */
  async reload(): Promise<void> {
    const generation = ++this.generation;
    this.buffered ??= [];
    try {
      const fresh = await this.loadPages();
      if (generation !== this.generation) return; // a newer reload runs
      const next = new Map<string, LiveConversation>();
      for (const row of fresh) next.set(row.id, mergeRow(this.rows.get(row.id), row));
      this.rows = next;
    } catch (error) {
      if (generation !== this.generation) return;
      this.emit("error", error);
    }
    const buffered = this.buffered ?? [];
    this.buffered = null;
    for (const entry of buffered) this.apply(entry);
    this.changed();
  }

  close(): void {
    this.closed = true;
    for (const off of this.offs) off();
    this.generation += 1;
  }

  private async loadPages(): Promise<LiveConversation[]> {
    const max = this.options.maxConversations ?? 1_000;
    const rows: LiveConversation[] = [];
    let cursor: string | undefined;
    this.isTruncated = false;
    for (;;) {
      const page = await this.options.api.conversations.list({ limit: PAGE, ...(cursor ? { cursor } : {}) });
      rows.push(...page.conversations.map(rowFromItem));
      if (!page.has_more || !page.next_cursor) return rows;
      if (rows.length >= max) {
        this.isTruncated = true;
        return rows;
      }
      cursor = page.next_cursor;
    }
  }

  private onEntry(entry: StreamEntry): void {
    if (this.buffered) this.buffered.push(entry);
    else if (this.apply(entry)) this.changed();
  }

  /** True when the list changed. */
  private apply(entry: StreamEntry): boolean {
    const id = conversationOf(entry);
    if (id === null) return false;
    const waiting = this.fetching.get(id);
    if (waiting) {
      waiting.push(entry);
      return false;
    }
    const change = applyEntry(this.rows.get(id), entry, this.options.selfId());
    switch (change.kind) {
      case "set":
        this.rows.set(id, change.row);
        return true;
      case "remove":
        return this.rows.delete(id);
      case "fetch":
        this.fetch(id, entry);
        return false;
      case "refresh":
        this.rows.set(id, change.row);
        this.fetch(id, null);
        return true;
      case "none":
        return false;
    }
  }

  /**
   * A conversation the list lacks (or whose members changed, `entry` null): fetch it and its newest
   * message, then apply what arrived for it meanwhile (and the entry that asked for it).
   */
  private fetch(id: string, entry: StreamEntry | null): void {
    this.fetching.set(id, entry ? [entry] : []);
    const { api } = this.options;
    Promise.all([api.conversations.get(id), api.messages.list(id, { limit: 1 })]).then(
      ([{ conversation }, page]) => {
        const waiting = this.takeWaiting(id);
        if (this.closed) return;
        this.rows.set(id, mergeRow(this.rows.get(id), rowFromConversation(conversation, page.messages[0], this.options.selfId())));
        for (const next of waiting) this.onEntry(next);
        this.changed();
      },
      (error: unknown) => {
        // Its entries are dropped: a 404 means removed (or never ours) by now; after another failure
        // the conversation's next entry fetches again.
        this.takeWaiting(id);
        if (!(error instanceof ApiError && error.status === 404)) this.emit("error", error);
      },
    );
  }

  private takeWaiting(id: string): StreamEntry[] {
    const waiting = this.fetching.get(id) ?? [];
    this.fetching.delete(id);
    return waiting;
  }

  private changed(): void {
    this.emit("change", this.conversations);
  }
}

function conversationOf(entry: StreamEntry): string | null {
  const { event } = entry;
  return event.kind === "conversation" || event.kind === "read" || event.kind === "membership" || event.kind === "details" ? event.conversation_id : null;
}
