import { index, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { conversations } from "./conversations";
import { users } from "./users";

/**
 * What a user controls about their own account and its reach (issue 21): a pending email change,
 * the users they block, the conversations they mute. Separate tables, so none of them widens the
 * rows every request reads (users, conversation_members).
 */

/** A requested email change: takes effect only when the token mailed to `new_email` comes back. */
export const emailChanges = sqliteTable(
  "email_changes",
  {
    tokenHash: text("token_hash").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    newEmail: text("new_email").notNull(),
    createdAt: text("created_at").notNull(),
    expiresAt: text("expires_at").notNull(),
    usedAt: text("used_at"),
  },
  (t) => [index("email_changes_user_id_idx").on(t.userId)],
);

/** `blocker_id` blocks `blocked_id`; the index on the blocked side answers "who blocks this sender?". */
export const userBlocks = sqliteTable(
  "user_blocks",
  {
    blockerId: text("blocker_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    blockedId: text("blocked_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: text("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.blockerId, t.blockedId] }), index("user_blocks_blocked_id_idx").on(t.blockedId)],
);

/** A muted conversation of one user; `until` null means until unmuted. */
export const conversationMutes = sqliteTable(
  "conversation_mutes",
  {
    conversationId: text("conversation_id")
      .notNull()
      .references(() => conversations.id, { onDelete: "cascade" }),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    until: text("until"),
    createdAt: text("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.conversationId, t.userId] }), index("conversation_mutes_user_id_idx").on(t.userId)],
);
