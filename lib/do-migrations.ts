/**
 * Versioned schema of one Durable Object's SQLite storage, the way D1 has numbered migrations.
 * Each DO class owns an ordered list (versions 1, 2, 3, … without gaps); its constructor calls
 * `migrate`, which applies the steps this object's storage has not seen yet, each exactly once.
 * Never edit a step that has shipped: add the next one.
 */
export type DoMigration = {
  readonly version: number;
  readonly name: string;
  /** SQL text (may hold several statements) or a function for steps that must inspect the schema first. */
  readonly up: string | ((sql: SqlStorage) => void);
};

/** The applied versions, one row each. Not `_cf_*`: that prefix is reserved by the runtime. */
const VERSIONS_TABLE = "_do_migrations";

/** The newest applied version (0 for empty storage). */
export function appliedVersion(sql: SqlStorage): number {
  sql.exec(`CREATE TABLE IF NOT EXISTS ${VERSIONS_TABLE} (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`);
  return sql.exec<{ v: number | null }>(`SELECT MAX(version) AS v FROM ${VERSIONS_TABLE}`).one().v ?? 0;
}

/**
 * Brings the storage to the newest version and returns it. Synchronous (the SQL API is), so a
 * constructor may call it: no event reaches the object before the constructor returns. Each step
 * and its version row commit together (`transactionSync`): a step that throws leaves nothing
 * behind and the next start retries it. Storage newer than the list (a rolled-back deploy) is left
 * as it is; steps only add, so older code keeps working on it.
 */
export function migrate(storage: DurableObjectStorage, migrations: readonly DoMigration[]): number {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`DO migration "${m.name}" has version ${m.version}, expected ${i + 1}`);
  });
  const sql = storage.sql;
  let current = appliedVersion(sql);
  for (const m of migrations) {
    if (m.version <= current) continue;
    storage.transactionSync(() => {
      if (typeof m.up === "string") sql.exec(m.up);
      else m.up(sql);
      sql.exec(`INSERT INTO ${VERSIONS_TABLE} (version, name, applied_at) VALUES (?, ?, ?)`, m.version, m.name, new Date().toISOString());
    });
    current = m.version;
  }
  return current;
}

/** Whether `table` has `column`: lets a step written after the fact run on storage that already has it. */
export function hasColumn(sql: SqlStorage, table: string, column: string): boolean {
  return sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM pragma_table_info(?) WHERE name = ?", table, column).one().n > 0;
}
