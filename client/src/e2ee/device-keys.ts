import { concatBytes, frame, readFrames, toBase64Url } from "./bytes";
import type { KeyPackageBundle, LeafMember, MlsEngine, SigningIdentity } from "./mls-engine";
import type { SecretStore } from "./secret-store";

/** The KeyPackage directory routes this module needs (`sc.api.mls`). */
export interface KeyPackageApi {
  uploadKeyPackages(input: { key_packages: string[]; last_resort?: string; replace?: boolean }): Promise<KeyPackageCounts>;
  keyPackageCount(): Promise<KeyPackageCounts>;
}
export interface KeyPackageCounts {
  key_packages: number;
  last_resort: boolean;
  key_packages_low: boolean;
}

const IDENTITY = "identity";
/** Present from the identity's creation until an upload with `replace: true` succeeded (a lost store's packages are still on the server). */
const REPLACE_PENDING = "identity:replace-pending";
const kpKey = (ref: string) => `kp:${ref}`;
/** Packages made per top-up: enough for a burst of adds between two sessions, cheap to make (≈1 ms each). */
const BATCH = 50;

/**
 * The device's own keys: one Ed25519 signing identity (made on the device, never leaving it; the key
 * contacts pin) and the private halves of its published KeyPackages. Private halves are persisted
 * before the public ones are uploaded, so a Welcome never names a package this device cannot open.
 */
export class DeviceKeys {
  private identityLoad: Promise<SigningIdentity> | null = null;
  private publishing: Promise<KeyPackageCounts> | null = null;

  constructor(
    private readonly engine: MlsEngine,
    private readonly store: SecretStore,
    private readonly self: () => LeafMember,
  ) {}

  /** The identity, made and stored on first use (one load at a time: two callers at once must not make two). */
  identity(): Promise<SigningIdentity> {
    this.identityLoad ??= this.loadIdentity().catch((error: unknown) => {
      this.identityLoad = null;
      throw error;
    });
    return this.identityLoad;
  }

  /**
   * Tops the directory up: a new device (or one whose store was lost) replaces whatever the server
   * holds for it, then uploads a batch and a last-resort package; later calls upload only when low.
   * Concurrent calls (sign-in, `key_packages_low`, a rejoin) share one.
   */
  publish(api: KeyPackageApi): Promise<KeyPackageCounts> {
    this.publishing ??= this.publishOnce(api).finally(() => (this.publishing = null));
    return this.publishing;
  }

  private async publishOnce(api: KeyPackageApi): Promise<KeyPackageCounts> {
    const identity = await this.identity();
    const replace = (await this.store.get(REPLACE_PENDING)) !== null;
    const counts = replace ? null : await api.keyPackageCount();
    if (counts && !counts.key_packages_low && counts.last_resort) return counts;
    const packages = await this.make(identity, BATCH, false);
    const lastResort = counts?.last_resort ? undefined : (await this.make(identity, 1, true))[0];
    const result = await api.uploadKeyPackages({ key_packages: packages, ...(lastResort ? { last_resort: lastResort } : {}), replace });
    if (replace) await this.store.delete(REPLACE_PENDING);
    return result;
  }

  private async loadIdentity(): Promise<SigningIdentity> {
    const stored = readFrames((await this.store.get(IDENTITY)) ?? new Uint8Array());
    if (stored?.length === 2) {
      const [publicKey, privateKey] = stored as [Uint8Array, Uint8Array];
      return { publicKey, privateKey };
    }
    const made = await this.engine.generateIdentity();
    // The marker first: an identity stored without it would never replace the packages a lost store left on the server.
    await this.store.put(REPLACE_PENDING, new Uint8Array([1]));
    await this.store.put(IDENTITY, concatBytes([frame(made.publicKey), frame(made.privateKey)]));
    return made;
  }

  /** The private half for a KeyPackageRef a Welcome names, or null when it is not one of ours. */
  async bundle(ref: string): Promise<(KeyPackageBundle & { lastResort: boolean }) | null> {
    const parts = readFrames((await this.store.get(kpKey(ref))) ?? new Uint8Array());
    if (parts?.length !== 3) return null;
    const [publicBytes, privateBytes, flag] = parts as [Uint8Array, Uint8Array, Uint8Array];
    return { publicBytes, privateBytes, lastResort: flag[0] === 1 };
  }

  /** A package was used to join: forget it (the last-resort one stays, it may be claimed again). */
  async consumed(ref: string): Promise<void> {
    const bundle = await this.bundle(ref);
    if (bundle && !bundle.lastResort) await this.store.delete(kpKey(ref));
  }

  /** A package this device keeps for itself (the creator's own leaf of a new group). */
  async ownLeafPackage(): Promise<KeyPackageBundle> {
    return this.engine.createKeyPackage(await this.identity(), this.self());
  }

  private async make(identity: SigningIdentity, count: number, lastResort: boolean): Promise<string[]> {
    const out: string[] = [];
    for (let i = 0; i < count; i++) {
      const made = await this.engine.createKeyPackage(identity, this.self());
      await this.store.put(kpKey(made.ref), concatBytes([frame(made.publicBytes), frame(made.privateBytes), frame(new Uint8Array([lastResort ? 1 : 0]))]));
      out.push(toBase64Url(made.publicBytes));
    }
    return out;
  }
}
