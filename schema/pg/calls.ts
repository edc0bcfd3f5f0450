import { check, index, integer, pgTable, primaryKey, text } from "drizzle-orm/pg-core";
import { oneOf } from "../check-sql";
import { CALL_STATUSES, CALL_TYPES, PARTICIPANT_OUTCOMES } from "../../lib/contracts/calls";
import { conversations } from "./conversations";
import { users } from "./users";

export const calls = pgTable(
  "calls",
  {
    id: text("id").primaryKey(),
    conversationId: text("conversation_id")
      .notNull()
      .references(() => conversations.id, { onDelete: "cascade" }),
    type: text("type", { enum: CALL_TYPES }).notNull(),
    status: text("status", { enum: CALL_STATUSES }).notNull(),
    initiatorId: text("initiator_id")
      .notNull()
      .references(() => users.id),
    createdAt: text("created_at").notNull(),
    startedAt: text("started_at"),
    endedAt: text("ended_at"),
    endReason: text("end_reason"),
    durationSeconds: integer("duration_seconds"),
  },
  (t) => [
    index("calls_conversation_created_idx").on(t.conversationId, t.createdAt),
    check("calls_type_check", oneOf(t.type, CALL_TYPES)),
    check("calls_status_check", oneOf(t.status, CALL_STATUSES)),
  ],
);

export const callParticipants = pgTable(
  "call_participants",
  {
    callId: text("call_id")
      .notNull()
      .references(() => calls.id, { onDelete: "cascade" }),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    joinedAt: text("joined_at"),
    leftAt: text("left_at"),
    outcome: text("outcome", { enum: PARTICIPANT_OUTCOMES }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.callId, t.userId] }),
    index("call_participants_user_id_idx").on(t.userId),
    check("call_participants_outcome_check", oneOf(t.outcome, PARTICIPANT_OUTCOMES)),
  ],
);
