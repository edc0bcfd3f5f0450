import { check, index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { oneOf } from "../check-sql";
import { CONVERSATION_TYPES, MEMBER_ROLES } from "../../lib/contracts/chat";
import { CONVERSATION_ENCRYPTIONS } from "../../lib/contracts/mls";
import type { LastMessage } from "../shapes";
import { users } from "./users";

export const conversations = sqliteTable(
  "conversations",
  {
    id: text("id").primaryKey(),
    type: text("type", { enum: CONVERSATION_TYPES }).notNull(),
    name: text("name"),
    // Fixed at creation (lib/contracts/mls.ts): "mls" rooms take only MLS ciphertext.
    encryption: text("encryption", { enum: CONVERSATION_ENCRYPTIONS }).notNull().default("none"),
    createdBy: text("created_by")
      .notNull()
      .references(() => users.id),
    // The two member ids sorted and joined (prefixed "mls:" for an mls one): UNIQUE makes "one
    // direct conversation per pair and encryption" a database fact, so racing creates converge on one row.
    directKey: text("direct_key").unique(),
    createdAt: text("created_at").notNull(),
    lastActivityAt: text("last_activity_at").notNull(),
    lastMessageSeq: integer("last_message_seq").notNull().default(0),
    lastMessage: text("last_message", { mode: "json" }).$type<LastMessage>(),
  },
  (t) => [
    check("conversations_type_check", oneOf(t.type, CONVERSATION_TYPES)),
    check("conversations_encryption_check", oneOf(t.encryption, CONVERSATION_ENCRYPTIONS)),
  ],
);

export const conversationMembers = sqliteTable(
  "conversation_members",
  {
    conversationId: text("conversation_id")
      .notNull()
      .references(() => conversations.id, { onDelete: "cascade" }),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    role: text("role", { enum: MEMBER_ROLES }).notNull(),
    joinedAt: text("joined_at").notNull(),
    lastReadSeq: integer("last_read_seq").notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.conversationId, t.userId] }),
    index("conversation_members_user_id_idx").on(t.userId),
    check("conversation_members_role_check", oneOf(t.role, MEMBER_ROLES)),
  ],
);
