import { MLS_LIMITS, type DeviceClaim, type KeyPackageCount, type KeyPackageUploadParsed } from "../../../../lib/contracts/mls";
import { AppError } from "../../../../lib/errors";
import { sha256Hex } from "../../../../lib/ids";

type Hashed = { text: string; hash: string };

/** How long a claimed package's hash is remembered (a retried upload comes within seconds; this is generous). */
const CLAIMED_MEMORY_MS = 30 * 24 * 60 * 60 * 1000;

/**
 * The device's MLS KeyPackages (table from DEVICE_ROOM_MIGRATIONS, step 3): unclaimed ones in
 * upload order, plus at most one last-resort package. The DeviceRoom is their single writer and
 * every method's SQL runs synchronously in one turn, so a claim is atomic: the row it deletes is the
 * row it returns, and no two claims can take the same one. `hash` (SHA-256 of the text) makes an
 * upload retried with the same packages a no-op without indexing the packages themselves, and the
 * hashes of claimed packages are remembered, so a retry after a claim cannot bring one back.
 */
export class KeyPackageStore {
  private readonly sql: SqlStorage;

  constructor(private readonly storage: DurableObjectStorage) {
    this.sql = storage.sql;
  }

  count(): KeyPackageCount {
    const row = this.sql
      .exec<{ n: number; lr: number }>("SELECT COALESCE(SUM(last_resort = 0), 0) AS n, COALESCE(SUM(last_resort = 1), 0) AS lr FROM key_packages")
      .one();
    return { key_packages: row.n, last_resort: row.lr > 0, key_packages_low: row.n < MLS_LIMITS.lowWatermark };
  }

  /**
   * Stores an upload in one transaction: over the per-device cap nothing is stored (413), not even
   * a `replace`'s delete. Hashes are computed before it, so no claim interleaves with the writes.
   */
  async store(upload: KeyPackageUploadParsed, now = Date.now()): Promise<KeyPackageCount> {
    const hashed = await Promise.all(upload.key_packages.map(async (text) => ({ text, hash: await sha256Hex(text) })));
    const lastResort = upload.last_resort === undefined ? undefined : { text: upload.last_resort, hash: await sha256Hex(upload.last_resort) };
    return this.storage.transactionSync(() => this.write(hashed, lastResort, upload.replace, now));
  }

  private write(hashed: readonly Hashed[], lastResort: Hashed | undefined, replace: boolean, now: number): KeyPackageCount {
    if (replace) this.sql.exec("DELETE FROM key_packages");
    this.sql.exec("DELETE FROM key_packages_claimed WHERE claimed_at < ?", now - CLAIMED_MEMORY_MS);
    const held = this.count().key_packages;
    const known = (hash: string) =>
      this.sql.exec("SELECT 1 FROM key_packages WHERE hash = ? UNION ALL SELECT 1 FROM key_packages_claimed WHERE hash = ?", hash, hash).toArray().length > 0;
    const fresh = hashed.filter(({ hash }) => !known(hash));
    if (held + fresh.length > MLS_LIMITS.keyPackagesPerDevice) {
      throw new AppError("QUOTA_EXCEEDED", `A device holds at most ${MLS_LIMITS.keyPackagesPerDevice} unclaimed KeyPackages; it holds ${held}.`);
    }
    for (const { text, hash } of fresh) {
      this.sql.exec("INSERT INTO key_packages (hash, package, last_resort, created_at) VALUES (?, ?, 0, ?)", hash, text, now);
    }
    if (lastResort) {
      this.sql.exec("DELETE FROM key_packages WHERE last_resort = 1");
      // Already held as an ordinary package: it becomes the last-resort one (it may now be handed out more than once).
      this.sql.exec(
        "INSERT INTO key_packages (hash, package, last_resort, created_at) VALUES (?, ?, 1, ?) ON CONFLICT (hash) DO UPDATE SET last_resort = 1",
        lastResort.hash,
        lastResort.text,
        now,
      );
    }
    return this.count();
  }

  /** The oldest unclaimed package, deleted in the same statement; else the last-resort one, kept; else null. */
  claim(now = Date.now()): DeviceClaim {
    const taken = this.sql
      .exec<{ package: string; hash: string }>(
        "DELETE FROM key_packages WHERE id = (SELECT id FROM key_packages WHERE last_resort = 0 ORDER BY id LIMIT 1) RETURNING package, hash",
      )
      .toArray()[0];
    if (taken) {
      this.sql.exec("INSERT INTO key_packages_claimed (hash, claimed_at) VALUES (?, ?) ON CONFLICT (hash) DO NOTHING", taken.hash, now);
      return { key_package: taken.package, last_resort: false };
    }
    const lastResort = this.sql.exec<{ package: string }>("SELECT package FROM key_packages WHERE last_resort = 1").toArray()[0];
    return lastResort ? { key_package: lastResort.package, last_resort: true } : null;
  }
}
