import type { MessageView } from "../../../../lib/contracts/chat";
import { withDb } from "../../../../lib/db";
import { markedForReader } from "../../../../lib/sender-blocked";
import type { RoomMembers } from "./room-members";

type Pair = { blockerId: string; blockedId: string };
/** Who blocks whom, both ways, and the symmetric "hidden from" relation, rebuilt from the table after any change. */
type Index = { byBlocker: Map<string, Set<string>>; byBlocked: Map<string, Set<string>>; hidden: Map<string, Set<string>> };
const NOBODY: ReadonlySet<string> = new Set();

/**
 * The blocks between this room's members (issue 21), so every frame about a member (presence,
 * typing, read) skips the sockets of those it is hidden from, and a blocker's copy of a message
 * from someone they block is marked. Lives in the room's `blocks` table
 * (CONVERSATION_ROOM_MIGRATIONS 6) with an in-memory index; a frame costs a map lookup, never a query.
 *
 * Kept current by:
 * - the first use: one `blocksAmong(members)` read (meta `blocks_loaded`), for rooms that existed
 *   before the table, or a room loaded for the first time;
 * - `changed` (controls/blocks.ts tells every conversation the pair shares when a block is placed or lifted);
 * - membership: a removed member's pairs go at once; added members cost one more read.
 * Reads and changes run one after another (`serial`), so a change that arrives while a read is in
 * flight is applied after it, never overwritten by it.
 */
export class RoomBlocks {
  private index: Index | undefined;
  private serial: Promise<void> = Promise.resolve();

  constructor(
    private readonly env: ChatEnv,
    private readonly sql: SqlStorage,
    private readonly members: RoomMembers,
  ) {}

  /** Reads the members' blocks from the database unless this room already holds them. */
  ensureLoaded(): Promise<void> {
    if (this.members.getMeta("blocks_loaded") === "1") return Promise.resolve();
    return this.run(async () => {
      if (this.members.getMeta("blocks_loaded") !== "1") await this.reload();
    });
  }

  /** After a membership change: removed members' pairs go; added members' pairs are read. */
  membersChanged(removed: readonly string[], added: readonly string[]): Promise<void> {
    for (const userId of removed) this.sql.exec("DELETE FROM blocks WHERE blocker_id = ? OR blocked_id = ?", userId, userId);
    if (removed.length > 0) this.index = undefined;
    if (added.length === 0) return this.ensureLoaded();
    return this.run(() => this.reload());
  }

  /** A block between two members was placed (`on`) or lifted. */
  changed(blockerId: string, blockedId: string, on: boolean): Promise<void> {
    return this.run(async () => {
      if (this.members.getMeta("blocks_loaded") !== "1") await this.reload();
      const bothMembers = this.members.roleOf(blockerId) !== null && this.members.roleOf(blockedId) !== null;
      if (on && bothMembers) this.sql.exec("INSERT OR IGNORE INTO blocks (blocker_id, blocked_id) VALUES (?, ?)", blockerId, blockedId);
      else this.sql.exec("DELETE FROM blocks WHERE blocker_id = ? AND blocked_id = ?", blockerId, blockedId);
      this.index = undefined;
    });
  }

  /** The members who must not hear of `userId` (presence, typing, reads, rings): blocked by it, or blocking it. */
  hiddenFrom(userId: string): ReadonlySet<string> {
    return this.current().hidden.get(userId) ?? NOBODY;
  }

  /** Whether `viewerId` blocks `senderId` (the viewer's copy of the sender's messages is marked). */
  blocks(viewerId: string, senderId: string): boolean {
    return this.current().byBlocker.get(viewerId)?.has(senderId) ?? false;
  }

  /** The viewer's copy of a message: marked `sender_blocked` when the viewer blocks its sender. */
  markFor(viewerId: string, message: MessageView): MessageView {
    return markedForReader(message, this.blocks(viewerId, message.sender_id));
  }

  /** For RoomSockets.broadcastMessages: the viewer's marked copy, or null when nothing in it is marked (most viewers). */
  readonly copyFor = (viewerId: string, messages: readonly MessageView[]): readonly MessageView[] | null => {
    const blocked = this.current().byBlocker.get(viewerId);
    if (!blocked || !messages.some((m) => blocked.has(m.sender_id))) return null;
    return messages.map((m) => markedForReader(m, blocked.has(m.sender_id)));
  };

  /** Who blocks the sender of a message (their `message_updated` copy is marked). */
  blockersOf(senderId: string): ReadonlySet<string> {
    return this.current().byBlocked.get(senderId) ?? NOBODY;
  }

  private async reload(): Promise<void> {
    const memberIds = [...this.members.all().keys()];
    const pairs: Pair[] = memberIds.length < 2 ? [] : await withDb(this.env, (db) => db.accountControls.blocksAmong(memberIds));
    // The members may have changed during the read: keep only pairs of current members.
    const current = this.members.all();
    this.sql.exec("DELETE FROM blocks");
    for (const p of pairs)
      if (current.has(p.blockerId) && current.has(p.blockedId))
        this.sql.exec("INSERT OR IGNORE INTO blocks (blocker_id, blocked_id) VALUES (?, ?)", p.blockerId, p.blockedId);
    this.members.setMeta("blocks_loaded", "1");
    this.index = undefined;
  }

  private run(task: () => Promise<void>): Promise<void> {
    const next = this.serial.then(task);
    // A failed read leaves `blocks_loaded` unset: the next use tries again; the chain goes on.
    this.serial = next.catch(() => undefined);
    return next;
  }

  private current(): Index {
    if (!this.index) {
      const byBlocker = new Map<string, Set<string>>();
      const byBlocked = new Map<string, Set<string>>();
      const hidden = new Map<string, Set<string>>();
      const add = (map: Map<string, Set<string>>, key: string, value: string) => {
        const set = map.get(key);
        if (set) set.add(value);
        else map.set(key, new Set([value]));
      };
      for (const row of this.sql.exec<{ blocker_id: string; blocked_id: string }>("SELECT blocker_id, blocked_id FROM blocks")) {
        add(byBlocker, row.blocker_id, row.blocked_id);
        add(byBlocked, row.blocked_id, row.blocker_id);
        add(hidden, row.blocker_id, row.blocked_id);
        add(hidden, row.blocked_id, row.blocker_id);
      }
      this.index = { byBlocker, byBlocked, hidden };
    }
    return this.index;
  }
}
