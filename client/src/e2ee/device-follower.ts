import type { DeviceChange } from "./e2ee";

/** What the follower needs of E2ee (kept narrow so the order rules below can be tested without MLS). */
export interface DeviceFollowerHost {
  /** Conversation ids whose group this device holds. */
  heldConversations(): Promise<string[]>;
  /** The device check of one conversation, fresh (a check already under way is awaited first, then one more runs). */
  checkNow(conversationId: string): Promise<DeviceChange>;
  /** A check committed something in this conversation. */
  changed(conversationId: string, change: DeviceChange): void;
}

/**
 * Acts on the device stream's `devices` entries (one of the user's other devices was added or
 * removed): runs the device check of every encrypted conversation this device holds, one after
 * another (a user in many conversations costs one list request each, not a burst). Entries that
 * arrive during a run ask for one more run after it, so a change announced while the list of an
 * earlier conversation was already fetched is still seen; many entries at once (a replay) cost one
 * more run, not one each. A conversation whose check fails (offline, removed meanwhile) is left to
 * its next open or send (EncryptedChat's check), which also covers an announcement this device never got.
 */
export class DeviceFollower {
  private running: Promise<void> | null = null;
  private again = false;

  constructor(private readonly host: DeviceFollowerHost) {}

  /** Resolves when a run that started after this call has finished. */
  request(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.loop().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      for (const conversationId of await this.host.heldConversations().catch(() => [])) {
        const change = await this.host.checkNow(conversationId).catch(() => null);
        if (change && (change.added.length > 0 || change.removed.length > 0)) this.host.changed(conversationId, change);
      }
    } while (this.again);
  }
}
