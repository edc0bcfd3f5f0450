import { hasColumn, type DoMigration } from "../../../../lib/do-migrations";

/**
 * The ConversationRoom's SQLite schema, oldest first. Rooms created before versions were recorded
 * already hold some of steps 1–3 without a record of them, so those three are idempotent.
 */
export const CONVERSATION_ROOM_MIGRATIONS: readonly DoMigration[] = [
  {
    version: 1,
    name: "members and message log",
    // meta: the room's identity. members: per member the read watermark (`last_read_seq`, forward
    // only) and how far it has been copied to the database (`read_synced_seq`).
    // messages: `seq` is the rowid, so a history page is a range scan of the primary key;
    // `(sender_id, client_id)` is UNIQUE, so a resend is answered with the original.
    up: `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS members (
  user_id TEXT PRIMARY KEY,
  role TEXT NOT NULL,
  last_read_seq INTEGER NOT NULL DEFAULT 0,
  read_synced_seq INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS messages (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL,
  sender_id TEXT NOT NULL,
  client_id TEXT NOT NULL,
  content_type TEXT NOT NULL,
  body TEXT,
  ciphertext TEXT,
  attachments TEXT,
  reply_to_seq INTEGER,
  reactions TEXT,
  created_at TEXT NOT NULL,
  edited_at TEXT,
  deleted INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX IF NOT EXISTS messages_sender_client ON messages (sender_id, client_id);
`,
  },
  {
    version: 2,
    name: "users reported present",
    // So a restarted room reports users whose sockets died with it as gone (room-presence.ts).
    up: "CREATE TABLE IF NOT EXISTS present (user_id TEXT PRIMARY KEY)",
  },
  {
    version: 3,
    name: "messages.touched_at_seq",
    // The room's newest seq when the message was last edited, deleted or reacted to: a client
    // reconnecting with since_seq = S is sent `message_updated` for older messages touched at or
    // after S. Partial index: only touched rows are indexed.
    up: (sql) => {
      if (!hasColumn(sql, "messages", "touched_at_seq")) sql.exec("ALTER TABLE messages ADD COLUMN touched_at_seq INTEGER");
      sql.exec("CREATE INDEX IF NOT EXISTS messages_touched ON messages (touched_at_seq) WHERE touched_at_seq IS NOT NULL");
    },
  },
  {
    version: 4,
    name: "MLS epoch per message",
    // The epoch an MLS message was made in, as its sender declared it (lib/contracts/mls.ts); null
    // for plaintext rooms. The room's own current epoch is meta `mls_epoch`.
    // Idempotent like step 3, so storage holding it without a version row (restored copies) adopts it.
    up: (sql) => {
      if (!hasColumn(sql, "messages", "epoch")) sql.exec("ALTER TABLE messages ADD COLUMN epoch INTEGER");
    },
  },
  {
    version: 5,
    name: "messages.expires_at",
    // Disappearing messages (issue 21): when the message is erased (epoch ms), for messages stored
    // while the conversation had a timer; NULL once erased. Partial index: the alarm asks for the
    // earliest one and for those due, never scanning the log.
    // Idempotent like step 3, so storage holding it without a version row (restored copies) adopts it.
    up: (sql) => {
      if (!hasColumn(sql, "messages", "expires_at")) sql.exec("ALTER TABLE messages ADD COLUMN expires_at INTEGER");
      sql.exec("CREATE INDEX IF NOT EXISTS messages_expiring ON messages (expires_at) WHERE expires_at IS NOT NULL");
    },
  },
  {
    version: 6,
    name: "blocks among the members",
    // The room's copy of the blocks between its members (controls/blocks.ts keeps it current, and
    // room-blocks.ts fills it from the database once: meta `blocks_loaded`), so a presence, typing or
    // read frame is filtered per recipient without a database round trip.
    up: "CREATE TABLE IF NOT EXISTS blocks (blocker_id TEXT NOT NULL, blocked_id TEXT NOT NULL, PRIMARY KEY (blocker_id, blocked_id))",
  },
];
