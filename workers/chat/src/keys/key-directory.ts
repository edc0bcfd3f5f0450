import { KEY_LIMITS, type DeviceKeyBundle, type KeyBundle, type KeyBundleRequest, type KeyUpload, type PrekeyCount } from "../../../../lib/contracts/keys";
import { AppError } from "../../../../lib/errors";
import type { KeysRepository } from "../../../../lib/db/keys-repository";
import type { KeyDevice, OneTimePrekey } from "../../../../lib/db/rows";
import { log } from "../../../../lib/log";
import type { PrekeysLowSignal } from "./prekeys-low";

/** What the key directory needs: the repository and a way to tell an owner their prekeys run low. */
export interface KeyDirectoryDeps {
  repo: KeysRepository;
  signalLow: (signal: PrekeysLowSignal) => Promise<void>;
}

const noKeys = (): AppError => new AppError("NOT_FOUND", "No keys are published for this user or device.");

/**
 * Publishes a device's keys for the caller. Rules (see README.md):
 * - same identity key: identity/signed prekey replaced, one-time prekeys ADDED; a key_id the device
 *   already holds unclaimed is ignored when its material is identical (a retried upload) and refused
 *   with CONFLICT (nothing written) when it differs, so stored material is never overwritten;
 * - new identity key (device reset): every old one-time prekey of the device is dropped atomically
 *   with the upsert (the repository does both in one batch/transaction);
 * - caps: KEY_LIMITS.devicesPerUser devices, KEY_LIMITS.prekeysPerDevice unclaimed prekeys (QUOTA_EXCEEDED).
 */
export async function uploadKeys(deps: KeyDirectoryDeps, userId: string, upload: KeyUpload): Promise<void> {
  const { repo } = deps;
  const devices = await repo.listDevices(userId);
  const existing = devices.find((d) => d.deviceId === upload.device_id);
  if (!existing && devices.length >= KEY_LIMITS.devicesPerUser) {
    throw new AppError("QUOTA_EXCEEDED", `At most ${KEY_LIMITS.devicesPerUser} devices may publish keys; reuse or reset one.`);
  }
  const reset = existing !== undefined && existing.identityKey !== upload.identity_key;
  let added = upload.one_time_prekeys.length;
  if (existing && !reset && upload.one_time_prekeys.length > 0) {
    const stored = await repo.findOneTimePrekeys(
      userId,
      upload.device_id,
      upload.one_time_prekeys.map((k) => k.key_id),
    );
    const storedById = new Map(stored.map((k) => [k.keyId, k.publicKey]));
    const clashes = upload.one_time_prekeys.flatMap((key, index) => {
      const material = storedById.get(key.key_id);
      return material !== undefined && material !== key.public_key ? [{ index, keyId: key.key_id }] : [];
    });
    if (clashes.length > 0) {
      throw new AppError(
        "CONFLICT",
        "Some key_ids are already published with different material; use new key_ids.",
        clashes.map(({ index, keyId }) => ({ field: `one_time_prekeys.${index}.key_id`, message: `key_id ${keyId} is already published` })),
      );
    }
    added -= storedById.size;
    const held = await repo.countOneTimePrekeys(userId, upload.device_id);
    if (held + added > KEY_LIMITS.prekeysPerDevice) {
      throw new AppError("QUOTA_EXCEEDED", `A device may hold at most ${KEY_LIMITS.prekeysPerDevice} unclaimed one-time prekeys (it holds ${held}).`);
    }
  }
  await repo.upsertDeviceBundle({
    userId,
    deviceId: upload.device_id,
    identityKey: upload.identity_key,
    signedPrekey: { keyId: upload.signed_prekey.key_id, publicKey: upload.signed_prekey.public_key, signature: upload.signed_prekey.signature },
    oneTimePrekeys: upload.one_time_prekeys.map((k) => ({ keyId: k.key_id, publicKey: k.public_key })),
  });
  log({ event: "keys_uploaded", user_id: userId, device_id: upload.device_id, added, reset });
}

/** The caller's own device's unclaimed one-time prekeys; NOT_FOUND for a device that published nothing. */
export async function countPrekeys(deps: KeyDirectoryDeps, userId: string, deviceId: string): Promise<PrekeyCount> {
  const devices = await deps.repo.listDevices(userId);
  if (!devices.some((d) => d.deviceId === deviceId)) throw noKeys();
  const remaining = await deps.repo.countOneTimePrekeys(userId, deviceId);
  return { one_time_prekeys: remaining, prekeys_low: remaining < KEY_LIMITS.lowWatermark };
}

/**
 * Claims one one-time prekey per device of `user_id` (or of the one device asked for). Each claim
 * is a single atomic delete-returning in the repository, so concurrent fetches never receive the
 * same prekey; a device with none left answers `one_time_prekey: null` (signed prekey only).
 * A user with no published keys, unknown or not, is NOT_FOUND: the directory does not say which.
 */
export async function fetchBundle(deps: KeyDirectoryDeps, request: KeyBundleRequest): Promise<KeyBundle> {
  const devices = (await deps.repo.listDevices(request.user_id)).filter((d) => request.device_id === undefined || d.deviceId === request.device_id);
  if (devices.length === 0) throw noKeys();
  const bundles = await Promise.all(devices.map((device) => claimFor(deps, device)));
  return { devices: bundles };
}

async function claimFor(deps: KeyDirectoryDeps, device: KeyDevice): Promise<DeviceKeyBundle> {
  const claimed = await deps.repo.claimOneTimePrekey(device.userId, device.deviceId);
  if (claimed) {
    // Only a claim that actually took a key can cross the watermark, so an exhausted device does
    // not produce a job on every fetch.
    const remaining = await deps.repo.countOneTimePrekeys(device.userId, device.deviceId);
    if (remaining < KEY_LIMITS.lowWatermark) {
      await deps.signalLow({ userId: device.userId, deviceId: device.deviceId, remaining, generation: device.updatedAt });
    }
  }
  return toView(device, claimed);
}

function toView(device: KeyDevice, prekey: OneTimePrekey | null): DeviceKeyBundle {
  return {
    device_id: device.deviceId,
    identity_key: device.identityKey,
    signed_prekey: { key_id: device.signedPrekeyId, public_key: device.signedPrekeyPublic, signature: device.signedPrekeySignature },
    one_time_prekey: prekey ? { key_id: prekey.keyId, public_key: prekey.publicKey } : null,
  };
}
