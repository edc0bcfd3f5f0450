/** Typing frames are never stored; an entry expires this long after the user's last one. */
const TYPING_TTL_MS = 5_000;

/** Who is typing right now, from the room's `typing` frames; `changed` gets the current list. */
export class TypingTracker {
  private readonly until = new Map<string, ReturnType<typeof setTimeout>>();
  constructor(private readonly changed: (userIds: string[]) => void) {}

  typing(userId: string): void {
    const previous = this.until.get(userId);
    if (previous) clearTimeout(previous);
    this.until.set(
      userId,
      setTimeout(() => {
        this.until.delete(userId);
        this.changed(this.current());
      }, TYPING_TTL_MS),
    );
    if (!previous) this.changed(this.current());
  }

  /** A message from that user ends their typing at once. */
  stopped(userId: string): void {
    const timer = this.until.get(userId);
    if (!timer) return;
    clearTimeout(timer);
    this.until.delete(userId);
    this.changed(this.current());
  }

  current(): string[] {
    return [...this.until.keys()];
  }

  clear(): void {
    for (const timer of this.until.values()) clearTimeout(timer);
    this.until.clear();
  }
}
