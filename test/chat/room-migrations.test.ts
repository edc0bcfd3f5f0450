import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { appliedVersion, migrate, type DoMigration } from "../../lib/do-migrations";
import { CONVERSATION_ROOM_MIGRATIONS } from "../../workers/chat/src/rooms/conversation-room-migrations";
import { PRESENCE_ROOM_MIGRATIONS } from "../../workers/chat/src/rooms/presence-room-migrations";

type SchemaRow = { type: string; name: string; sql: string | null };

const columns = (sql: SqlStorage, table: string) =>
  sql
    .exec<{ name: string }>("SELECT name FROM pragma_table_info(?)", table)
    .toArray()
    .map((c) => c.name);
// The runtime's own `_cf_*` tables are not ours to compare.
const schemaOf = (sql: SqlStorage) =>
  sql.exec<SchemaRow>("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE '\\_cf\\_%' ESCAPE '\\' ORDER BY name").toArray();
const versions = (sql: SqlStorage) => sql.exec<{ version: number; name: string }>("SELECT version, name FROM _do_migrations ORDER BY version").toArray();

/** Empties the object's storage: what the test writes next is all it holds. */
async function emptied(state: DurableObjectState): Promise<SqlStorage> {
  await state.storage.deleteAll();
  return state.storage.sql;
}

/** Storage as a build before versioned migrations left it: the first `steps` tables, no version rows. */
function unversioned(storage: DurableObjectStorage, list: readonly DoMigration[], steps: number): void {
  migrate(storage, list.slice(0, steps));
  storage.sql.exec("DROP TABLE _do_migrations");
}

/** Kills the object (its next request constructs it again) and returns a fresh stub. */
async function restarted<T extends Rpc.DurableObjectBranded | undefined>(ns: DurableObjectNamespace<T>, id: DurableObjectId): Promise<DurableObjectStub<T>> {
  const aborted = await runInDurableObject(ns.get(id), (_instance, state) => state.abort("restart under test")).then(
    () => false,
    () => true,
  );
  if (!aborted) throw new Error("the object did not restart");
  return ns.get(id);
}

function writeV1Rows(sql: SqlStorage): void {
  sql.exec("INSERT INTO meta (key, value) VALUES ('conversation_id', 'c-old'), ('type', 'group')");
  sql.exec("INSERT INTO members (user_id, role, last_read_seq) VALUES ('u-1', 'owner', 2), ('u-2', 'member', 0)");
  for (const seq of [1, 2]) {
    sql.exec(
      "INSERT INTO messages (seq, id, sender_id, client_id, content_type, body, created_at) VALUES (?, ?, 'u-1', ?, 'text/plain', ?, '2026-11-23T06:30:00.000Z')",
      seq,
      `m-${seq}`,
      `c-${seq}`,
      `old message ${seq}`,
    );
  }
}

describe("Durable Object storage migrations: the runner", () => {
  const steps = (log: string[]): DoMigration[] => [
    { version: 1, name: "a", up: "CREATE TABLE t (x INTEGER)" },
    {
      version: 2,
      name: "b",
      up: (sql) => {
        log.push("b");
        sql.exec("ALTER TABLE t ADD COLUMN y TEXT");
      },
    },
    {
      version: 3,
      name: "c",
      up: (sql) => {
        log.push("c");
        sql.exec("CREATE TABLE u (z INTEGER)");
      },
    },
  ];

  it("applies each step once, in order, and running again is a no-op", async ({ expect }) => {
    const stub = env.CONVERSATION_ROOM.get(env.CONVERSATION_ROOM.newUniqueId());
    await runInDurableObject(stub, async (_instance, state) => {
      const sql = await emptied(state);
      const log: string[] = [];
      expect(migrate(state.storage, steps(log).slice(0, 1))).toBe(1);
      sql.exec("INSERT INTO t (x) VALUES (7)");
      expect(migrate(state.storage, steps(log))).toBe(3);
      expect(migrate(state.storage, steps(log))).toBe(3);
      expect(log).toEqual(["b", "c"]);
      expect(versions(sql)).toEqual([
        { version: 1, name: "a" },
        { version: 2, name: "b" },
        { version: 3, name: "c" },
      ]);
      expect(sql.exec("SELECT x, y FROM t").toArray()).toEqual([{ x: 7, y: null }]);
    });
  });

  it("rolls a failing step back whole, so the next start retries it", async ({ expect }) => {
    const stub = env.CONVERSATION_ROOM.get(env.CONVERSATION_ROOM.newUniqueId());
    await runInDurableObject(stub, async (_instance, state) => {
      const sql = await emptied(state);
      const failing: DoMigration = {
        version: 2,
        name: "half done",
        up: (s) => {
          s.exec("CREATE TABLE half (x INTEGER)");
          throw new Error("boom");
        },
      };
      const list = [...steps([]).slice(0, 1), failing];
      expect(() => migrate(state.storage, list)).toThrow("boom");
      expect(appliedVersion(sql)).toBe(1);
      expect(schemaOf(sql).map((r) => r.name)).not.toContain("half");
    });
  });

  it("refuses a list whose versions are not 1, 2, 3, … before touching the storage", async ({ expect }) => {
    const stub = env.CONVERSATION_ROOM.get(env.CONVERSATION_ROOM.newUniqueId());
    await runInDurableObject(stub, async (_instance, state) => {
      const sql = await emptied(state);
      const [first, , third] = steps([]);
      if (!first || !third) throw new Error("fixture");
      expect(() => migrate(state.storage, [first, third])).toThrow('DO migration "c" has version 3, expected 2');
      expect(schemaOf(sql)).toEqual([]);
    });
  });
});

describe("Durable Object storage migrations: ConversationRoom", () => {
  const newest = CONVERSATION_ROOM_MIGRATIONS.length;

  it("brings a room stored at version 1 to the newest schema when it starts, keeping its rows", async ({ expect }) => {
    const ns = env.CONVERSATION_ROOM;
    const id = ns.newUniqueId();
    await runInDurableObject(ns.get(id), async (_instance, state) => {
      const sql = await emptied(state);
      expect(migrate(state.storage, CONVERSATION_ROOM_MIGRATIONS.slice(0, 1))).toBe(1);
      expect(columns(sql, "messages")).not.toContain("touched_at_seq");
      writeV1Rows(sql);
    });

    await runInDurableObject(await restarted(ns, id), (_instance, state) => {
      const sql = state.storage.sql;
      expect(appliedVersion(sql)).toBe(newest);
      expect(columns(sql, "messages")).toContain("touched_at_seq");
      expect(schemaOf(sql).map((r) => r.name)).toEqual(expect.arrayContaining(["present", "messages_touched"]));
      expect(sql.exec("SELECT seq, body, touched_at_seq FROM messages ORDER BY seq").toArray()).toEqual([
        { seq: 1, body: "old message 1", touched_at_seq: null },
        { seq: 2, body: "old message 2", touched_at_seq: null },
      ]);
      expect(sql.exec("SELECT user_id, role, last_read_seq FROM members ORDER BY user_id").toArray()).toEqual([
        { user_id: "u-1", role: "owner", last_read_seq: 2 },
        { user_id: "u-2", role: "member", last_read_seq: 0 },
      ]);
      expect(sql.exec("SELECT value FROM meta WHERE key = 'conversation_id'").one()).toEqual({ value: "c-old" });
    });
  });

  it("adopts rooms created before versions were recorded, with or without touched_at_seq", async ({ expect }) => {
    const stub = env.CONVERSATION_ROOM.get(env.CONVERSATION_ROOM.newUniqueId());
    await runInDurableObject(stub, async (_instance, state) => {
      const fresh = await emptied(state);
      migrate(state.storage, CONVERSATION_ROOM_MIGRATIONS);
      const newestSchema = schemaOf(fresh);

      // The build just before versioning: steps 1–3 (touched_at_seq included), and no version rows.
      for (const steps of [3, 1]) {
        const sql = await emptied(state);
        unversioned(state.storage, CONVERSATION_ROOM_MIGRATIONS, steps);
        writeV1Rows(sql);
        expect(migrate(state.storage, CONVERSATION_ROOM_MIGRATIONS)).toBe(newest);
        expect(schemaOf(sql)).toEqual(newestSchema);
        expect(sql.exec("SELECT COUNT(*) AS n FROM messages").one()).toEqual({ n: 2 });
      }
    });
  });

  it("is a no-op on a room already at the newest version", async ({ expect }) => {
    const stub = env.CONVERSATION_ROOM.get(env.CONVERSATION_ROOM.newUniqueId());
    await runInDurableObject(stub, (_instance, state) => {
      const sql = state.storage.sql;
      const before = { schema: schemaOf(sql), versions: versions(sql) };
      expect(before.versions.map((v) => v.version)).toEqual(CONVERSATION_ROOM_MIGRATIONS.map((m) => m.version));
      expect(migrate(state.storage, CONVERSATION_ROOM_MIGRATIONS)).toBe(newest);
      expect({ schema: schemaOf(sql), versions: versions(sql) }).toEqual(before);
    });
  });
});

describe("Durable Object storage migrations: PresenceRoom", () => {
  it("adopts a shard created before versions were recorded, keeping its rows, and a second run is a no-op", async ({ expect }) => {
    const ns = env.PRESENCE_ROOM;
    const id = ns.newUniqueId();
    await runInDurableObject(ns.get(id), async (_instance, state) => {
      const sql = await emptied(state);
      // Shards from before versioning hold step 1 only.
      unversioned(state.storage, PRESENCE_ROOM_MIGRATIONS, 1);
      sql.exec("INSERT INTO connections (user_id, conversation_id) VALUES ('u-1', 'c-1')");
      sql.exec("INSERT INTO users (user_id, status, last_seen_at) VALUES ('u-1', 'online', '2026-11-23T06:30:00.000Z')");
    });

    await runInDurableObject(await restarted(ns, id), (_instance, state) => {
      const sql = state.storage.sql;
      expect(versions(sql)).toEqual(PRESENCE_ROOM_MIGRATIONS.map(({ version, name }) => ({ version, name })));
      const schema = schemaOf(sql);
      expect(migrate(state.storage, PRESENCE_ROOM_MIGRATIONS)).toBe(PRESENCE_ROOM_MIGRATIONS.length);
      expect(schemaOf(sql)).toEqual(schema);
      expect(sql.exec("SELECT user_id, status, announced FROM users").toArray()).toEqual([{ user_id: "u-1", status: "online", announced: null }]);
      expect(sql.exec("SELECT COUNT(*) AS n FROM connections").one()).toEqual({ n: 1 });
    });
  });
});
