import type { DoMigration } from "../../../../lib/do-migrations";

/**
 * A PresenceRoom shard's SQLite schema, oldest first. Shards created before versions were recorded
 * already hold step 1 without a record of it, so it is idempotent.
 */
export const PRESENCE_ROOM_MIGRATIONS: readonly DoMigration[] = [
  {
    version: 1,
    name: "connections and statuses",
    // connections: the rooms where a user has a socket (online = any). users: the current status and
    // the last announced one; the partial index finds the users whose change is still unannounced.
    up: `
CREATE TABLE IF NOT EXISTS connections (user_id TEXT NOT NULL, conversation_id TEXT NOT NULL, PRIMARY KEY (user_id, conversation_id));
CREATE TABLE IF NOT EXISTS users (user_id TEXT PRIMARY KEY, status TEXT NOT NULL, last_seen_at TEXT NOT NULL, announced TEXT);
CREATE INDEX IF NOT EXISTS users_pending ON users (user_id) WHERE announced IS NULL OR announced != status;
`,
  },
  {
    version: 2,
    name: "device stream connections",
    // The devices with their event stream open (a DeviceRoom reports its 0↔1 sockets): online also
    // counts these, and rooms ask which members' devices are online to publish to them.
    up: "CREATE TABLE IF NOT EXISTS device_connections (user_id TEXT NOT NULL, device_id TEXT NOT NULL, PRIMARY KEY (user_id, device_id))",
  },
];
