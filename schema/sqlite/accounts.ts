import { check, index, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { oneOf } from "../check-sql";
import { EXPORT_STATUSES } from "../../lib/contracts/account";
import { conversations } from "./conversations";
import { users } from "./users";

/**
 * The latest data export of each user (one row per user: the primary key makes "one export per
 * day" a single guarded upsert in both dialects). The archive itself is an R2 object.
 */
export const dataExports = sqliteTable(
  "data_exports",
  {
    userId: text("user_id")
      .primaryKey()
      .references(() => users.id, { onDelete: "cascade" }),
    id: text("id").notNull(),
    status: text("status", { enum: EXPORT_STATUSES }).notNull(),
    requestedAt: text("requested_at").notNull(),
    readyAt: text("ready_at"),
    expiresAt: text("expires_at"),
    objectKey: text("object_key"),
  },
  (t) => [check("data_exports_status_check", oneOf(t.status, EXPORT_STATUSES))],
);

/**
 * Conversations a user left (or was removed from): their messages stay in the room, so erasing a
 * deleted account walks these as well as its current memberships. Rejoining keeps the row (harmless).
 */
export const conversationDepartures = sqliteTable(
  "conversation_departures",
  {
    conversationId: text("conversation_id")
      .notNull()
      .references(() => conversations.id, { onDelete: "cascade" }),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    leftAt: text("left_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.conversationId, t.userId] }), index("conversation_departures_user_id_idx").on(t.userId)],
);
