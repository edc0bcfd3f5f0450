import type { DoMigration } from "../../../../lib/do-migrations";

/** A DeviceRoom's SQLite schema, oldest first (lib/do-migrations.ts: never edit a shipped step). */
export const DEVICE_ROOM_MIGRATIONS: readonly DoMigration[] = [
  {
    version: 1,
    name: "stream, mailbox and state",
    // state: one row. owner_user_id and device_id are recorded on first use (an owner that differs
    // is refused); last_pos is the newest position handed out (positions are never reused, also
    // after coalescing deletes the newest entry); pruned_through is the newest position dropped by
    // pruning (a resume from before it missed something: reset); entries counts stream rows so
    // pruning by count reads no rows; presence_reported is whether presence was told "connected"
    // (a restarted object with no sockets reports the device gone).
    // stream: one row per kept entry; coalesce_key ("conversation:<id>", "read:<id>") is unique, so
    // a newer change to a conversation replaces the older entry. at: epoch ms, for pruning by age.
    // mailbox: unacknowledged payloads, delivered in rowid (arrival) order.
    up: `
CREATE TABLE state (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  owner_user_id TEXT,
  device_id TEXT,
  last_pos INTEGER NOT NULL DEFAULT 0,
  pruned_through INTEGER NOT NULL DEFAULT 0,
  entries INTEGER NOT NULL DEFAULT 0,
  presence_reported INTEGER NOT NULL DEFAULT 0
);
INSERT INTO state (id) VALUES (1);
CREATE TABLE stream (pos INTEGER PRIMARY KEY, coalesce_key TEXT, event TEXT NOT NULL, at INTEGER NOT NULL);
CREATE UNIQUE INDEX stream_coalesce ON stream (coalesce_key) WHERE coalesce_key IS NOT NULL;
CREATE INDEX stream_at ON stream (at);
CREATE TABLE mailbox (id TEXT PRIMARY KEY, from_user_id TEXT NOT NULL, from_device_id TEXT NOT NULL, payload TEXT NOT NULL, created_at TEXT NOT NULL);
`,
  },
  {
    version: 2,
    name: "connection times for the catch-up",
    // epoch ms. connected_at: the newest 0→1 connect; disconnected_at: the newest 1→0 close (a
    // restart that lost its sockets records none: the catch-up then starts at connected_at);
    // catch_up_since / catch_up_joined_after: the bounds of the repeat the alarm runs after a
    // connect (conversation activity / joining), null when none is due.
    up: `
ALTER TABLE state ADD COLUMN connected_at INTEGER;
ALTER TABLE state ADD COLUMN disconnected_at INTEGER;
ALTER TABLE state ADD COLUMN catch_up_since INTEGER;
ALTER TABLE state ADD COLUMN catch_up_joined_after INTEGER;
`,
  },
  {
    version: 3,
    name: "MLS KeyPackages",
    // key_packages: the device's unclaimed KeyPackages (last_resort = 0), claimed oldest first (id),
    // and at most one last-resort package (last_resort = 1, the partial unique index), which a claim
    // hands out but keeps. hash: SHA-256 hex of the package text, so a retried upload stores nothing
    // twice. key_packages_claimed: the hashes of claimed packages (30 days), so an upload retried after
    // a claim cannot put a handed-out package back. created_at / claimed_at: epoch ms.
    up: `
CREATE TABLE key_packages (
  id INTEGER PRIMARY KEY,
  hash TEXT NOT NULL UNIQUE,
  package TEXT NOT NULL,
  last_resort INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX key_packages_one_last_resort ON key_packages (last_resort) WHERE last_resort = 1;
CREATE TABLE key_packages_claimed (hash TEXT PRIMARY KEY, claimed_at INTEGER NOT NULL);
CREATE INDEX key_packages_claimed_at ON key_packages_claimed (claimed_at);
`,
  },
  {
    version: 4,
    name: "the session the device was last announced ready in",
    // ready_session_id: the session in which this device last told the user's other devices it is
    // ready for MLS (device-readiness.ts); a new sign-in is a new session, so it is announced again.
    up: `ALTER TABLE state ADD COLUMN ready_session_id TEXT;`,
  },
];
