import { bigint, check, index, pgTable, text } from "drizzle-orm/pg-core";
import { sql } from "drizzle-orm";
import { oneOf } from "../check-sql";
import { FILE_STATUSES } from "../../lib/contracts/storage";
import { users } from "./users";

export const files = pgTable(
  "files",
  {
    id: text("id").primaryKey(),
    ownerId: text("owner_id")
      .notNull()
      .references(() => users.id),
    conversationId: text("conversation_id"),
    fileName: text("file_name").notNull(),
    contentType: text("content_type").notNull(),
    sizeBytes: bigint("size_bytes", { mode: "number" }).notNull(),
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

export const quotas = pgTable(
  "quotas",
  {
    userId: text("user_id")
      .primaryKey()
      .references(() => users.id, { onDelete: "cascade" }),
    usedBytes: bigint("used_bytes", { mode: "number" }).notNull().default(0),
    reservedBytes: bigint("reserved_bytes", { mode: "number" }).notNull().default(0),
    quotaBytes: bigint("quota_bytes", { mode: "number" }).notNull(),
  },
  // Negative counters would mean a double release; the database refuses rather than drifting.
  (t) => [check("quotas_nonnegative_check", sql`${t.usedBytes} >= 0 and ${t.reservedBytes} >= 0`)],
);
