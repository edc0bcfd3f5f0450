import { and, asc, count, eq, exists, inArray, ne } from "drizzle-orm";
import { chunk, nowIso } from "./clock";
import type { AtomicStatements, Dialect } from "./query-db";
import type { KeyDevice, OneTimePrekey } from "./rows";

export interface DeviceBundleInput {
  userId: string;
  deviceId: string;
  identityKey: string;
  signedPrekey: { keyId: number; publicKey: string; signature: string };
  oneTimePrekeys: readonly { keyId: number; publicKey: string }[];
}

export interface ClaimedBundle {
  device: KeyDevice;
  /** null when the device has run out; the client falls back to the signed prekey alone. */
  oneTimePrekey: OneTimePrekey | null;
}

/** The end-to-end-encryption key directory (public keys only). */
export interface KeysRepository {
  /**
   * Replaces the device's identity and signed prekey and adds one-time prekeys, ignoring key ids
   * the device already published. A changed identity key means a reinstalled device, so its old
   * one-time prekeys (made for the old identity) are dropped first.
   */
  upsertDeviceBundle(input: DeviceBundleInput, now?: string): Promise<void>;
  countOneTimePrekeys(userId: string, deviceId: string): Promise<number>;
  listDevices(userId: string): Promise<KeyDevice[]>;
  /** Claims one one-time prekey per device of the user (each claim atomic; never handed out twice). */
  claimBundles(userId: string): Promise<ClaimedBundle[]>;
  claimOneTimePrekey(userId: string, deviceId: string): Promise<OneTimePrekey | null>;
  deleteDevice(userId: string, deviceId: string): Promise<boolean>;
  /** Account erasure: every device bundle and one-time prekey the user published. */
  deleteAllForUser(userId: string): Promise<void>;
  /** The device's unclaimed one-time prekeys among `keyIds` (to tell a retried upload from a clash). */
  findOneTimePrekeys(userId: string, deviceId: string, keyIds: readonly number[]): Promise<OneTimePrekey[]>;
}

export function keysRepository({ db, t, atomic, claimOneTimePrekey }: Dialect): KeysRepository {
  const k = t.keyDevices;
  const p = t.oneTimePrekeys;
  const ofDevice = (userId: string, deviceId: string) => and(eq(p.userId, userId), eq(p.deviceId, deviceId));

  return {
    async upsertDeviceBundle(input, now = nowIso()) {
      const { userId, deviceId } = input;
      const device: KeyDevice = {
        userId,
        deviceId,
        identityKey: input.identityKey,
        signedPrekeyId: input.signedPrekey.keyId,
        signedPrekeyPublic: input.signedPrekey.publicKey,
        signedPrekeySignature: input.signedPrekey.signature,
        updatedAt: now,
      };
      const prekeys = input.oneTimePrekeys.map((x): OneTimePrekey => ({ userId, deviceId, keyId: x.keyId, publicKey: x.publicKey, createdAt: now }));
      const replaceable = {
        identityKey: device.identityKey,
        signedPrekeyId: device.signedPrekeyId,
        signedPrekeyPublic: device.signedPrekeyPublic,
        signedPrekeySignature: device.signedPrekeySignature,
        updatedAt: now,
      };
      await atomic((q): AtomicStatements => [
        // Runs before the upsert, so it compares against the identity stored so far.
        q.delete(p).where(
          and(
            ofDevice(userId, deviceId),
            exists(
              q
                .select({ deviceId: k.deviceId })
                .from(k)
                .where(and(eq(k.userId, userId), eq(k.deviceId, deviceId), ne(k.identityKey, input.identityKey))),
            ),
          ),
        ),
        q
          .insert(k)
          .values(device)
          .onConflictDoUpdate({ target: [k.userId, k.deviceId], set: replaceable }),
        ...chunk(prekeys, 5).map((part) => q.insert(p).values(part).onConflictDoNothing()),
      ]);
    },
    async countOneTimePrekeys(userId, deviceId) {
      const [row] = await db.select({ n: count() }).from(p).where(ofDevice(userId, deviceId));
      return row?.n ?? 0;
    },
    listDevices: (userId) => db.select().from(k).where(eq(k.userId, userId)).orderBy(asc(k.deviceId)),
    async claimBundles(userId) {
      const devices = await db.select().from(k).where(eq(k.userId, userId)).orderBy(asc(k.deviceId));
      return Promise.all(devices.map(async (device) => ({ device, oneTimePrekey: await claimOneTimePrekey(userId, device.deviceId) })));
    },
    claimOneTimePrekey,
    async deleteDevice(userId, deviceId) {
      const before = await db
        .select({ deviceId: k.deviceId })
        .from(k)
        .where(and(eq(k.userId, userId), eq(k.deviceId, deviceId)));
      await atomic((q) => [q.delete(p).where(ofDevice(userId, deviceId)), q.delete(k).where(and(eq(k.userId, userId), eq(k.deviceId, deviceId)))]);
      return before.length > 0;
    },
    async deleteAllForUser(userId) {
      await atomic((q) => [q.delete(p).where(eq(p.userId, userId)), q.delete(k).where(eq(k.userId, userId))]);
    },
    async findOneTimePrekeys(userId, deviceId, keyIds) {
      const out: OneTimePrekey[] = [];
      // Two of each statement's bound parameters are the user and device ids.
      for (const part of chunk([...new Set(keyIds)], 2)) {
        out.push(
          ...(await db
            .select()
            .from(p)
            .where(and(ofDevice(userId, deviceId), inArray(p.keyId, part)))),
        );
      }
      return out;
    },
  };
}
