import { boolean, check, index, pgTable, text, uniqueIndex, type AnyPgColumn } from "drizzle-orm/pg-core";
import { oneOf } from "../check-sql";
import { EMAIL_TOKEN_PURPOSES } from "../../lib/contracts/auth";
import { PLATFORMS } from "../../lib/contracts/users";

// Postgres mirror of ../sqlite/users.ts (same names, same JS types; see ../parity.ts).
// Times are ISO-8601 UTC strings from Date#toISOString (fixed width, so text order is time order)
// in both dialects; that keeps rows identical across backends and matches the API's wire format.

export const users = pgTable("users", {
  id: text("id").primaryKey(),
  email: text("email").notNull(),
  emailLower: text("email_lower").notNull().unique(),
  username: text("username").notNull(),
  usernameLower: text("username_lower").notNull().unique(),
  displayName: text("display_name").notNull(),
  passwordHash: text("password_hash").notNull(),
  emailVerified: boolean("email_verified").notNull().default(false),
  avatarFileId: text("avatar_file_id"),
  createdAt: text("created_at").notNull(),
  updatedAt: text("updated_at").notNull(),
  /** Set when the account was deleted: the row is then a contentless tombstone (see workers/auth/README.md, Deleting an account). */
  deletedAt: text("deleted_at"),
});

export const sessions = pgTable(
  "sessions",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** The device signed in with this session; deleting the device ends it. Null only for sessions opened before devices. */
    deviceId: text("device_id").references((): AnyPgColumn => devices.id, { onDelete: "cascade" }),
    createdAt: text("created_at").notNull(),
    lastUsedAt: text("last_used_at").notNull(),
    expiresAt: text("expires_at").notNull(),
    revokedAt: text("revoked_at"),
    revokeReason: text("revoke_reason"),
    userAgent: text("user_agent"),
    ip: text("ip"),
  },
  (t) => [index("sessions_user_id_idx").on(t.userId), index("sessions_device_id_idx").on(t.deviceId)],
);

export const refreshTokens = pgTable(
  "refresh_tokens",
  {
    tokenHash: text("token_hash").primaryKey(),
    sessionId: text("session_id")
      .notNull()
      .references(() => sessions.id, { onDelete: "cascade" }),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: text("created_at").notNull(),
    expiresAt: text("expires_at").notNull(),
    usedAt: text("used_at"),
  },
  (t) => [index("refresh_tokens_session_id_idx").on(t.sessionId)],
);

export const emailTokens = pgTable(
  "email_tokens",
  {
    tokenHash: text("token_hash").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    purpose: text("purpose", { enum: EMAIL_TOKEN_PURPOSES }).notNull(),
    createdAt: text("created_at").notNull(),
    expiresAt: text("expires_at").notNull(),
    usedAt: text("used_at"),
  },
  (t) => [index("email_tokens_user_id_idx").on(t.userId), check("email_tokens_purpose_check", oneOf(t.purpose, EMAIL_TOKEN_PURPOSES))],
);

export const wsTickets = pgTable(
  "ws_tickets",
  {
    ticketHash: text("ticket_hash").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** The device of the session that asked for it (null for tokens minted before devices). */
    deviceId: text("device_id"),
    expiresAt: text("expires_at").notNull(),
  },
  (t) => [index("ws_tickets_expires_at_idx").on(t.expiresAt)],
);

export const devices = pgTable(
  "devices",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    platform: text("platform", { enum: PLATFORMS }).notNull(),
    /** Null for a device that signed in but registered no push token (yet). */
    pushToken: text("push_token"),
    /** What the user calls it ("Pixel 8"), from sign-in's `device_name`. */
    name: text("name"),
    createdAt: text("created_at").notNull(),
    lastSeenAt: text("last_seen_at").notNull(),
  },
  (t) => [
    uniqueIndex("devices_push_token_uq").on(t.pushToken),
    index("devices_user_id_idx").on(t.userId),
    check("devices_platform_check", oneOf(t.platform, PLATFORMS)),
  ],
);
