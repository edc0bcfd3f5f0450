import { check, index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { sql } from "drizzle-orm";
import { oneOf } from "../check-sql";
import { FILE_STATUSES } from "../../lib/contracts/storage";
import { users } from "./users";

export const files = sqliteTable(
  "files",
  {
    id: text("id").primaryKey(),
    ownerId: text("owner_id")
      .notNull()
      .references(() => users.id),
    conversationId: text("conversation_id"),
    fileName: text("file_name").notNull(),
    contentType: text("content_type").notNull(),
    sizeBytes: integer("size_bytes").notNull(),
    objectKey: text("object_key").notNull().unique(),
    status: text("status", { enum: FILE_STATUSES }).notNull(),
    createdAt: text("created_at").notNull(),
    completedAt: text("completed_at"),
    deletedAt: text("deleted_at"),
    uploadExpiresAt: text("upload_expires_at").notNull(),
  },
  (t) => [
    index("files_owner_status_idx").on(t.ownerId, t.status),
    index("files_status_expires_idx").on(t.status, t.uploadExpiresAt),
    check("files_status_check", oneOf(t.status, FILE_STATUSES)),
    check("files_size_check", sql`${t.sizeBytes} >= 0`),
  ],
);

export const quotas = sqliteTable(
  "quotas",
  {
    userId: text("user_id")
      .primaryKey()
      .references(() => users.id, { onDelete: "cascade" }),
    usedBytes: integer("used_bytes").notNull().default(0),
    reservedBytes: integer("reserved_bytes").notNull().default(0),
    quotaBytes: integer("quota_bytes").notNull(),
  },
  // Negative counters would mean a double release; the database refuses rather than drifting.
  (t) => [check("quotas_nonnegative_check", sql`${t.usedBytes} >= 0 and ${t.reservedBytes} >= 0`)],
);
