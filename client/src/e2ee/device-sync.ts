import type { MlsDevice } from "../types";
import type { LeafMember } from "./mls-engine";

/** How long a conversation's device check counts as fresh before a send checks again (a new device misses at most this much). */
export const DEVICE_CHECK_MS = 30_000;
/** A listed device that had no KeyPackage to claim is not asked for again this soon (claims are rate limited per requester). */
export const NO_PACKAGE_RETRY_MS = 60_000;

const keyOf = (member: LeafMember) => `${member.userId}:${member.deviceId}`;

export interface DeviceDiff {
  /** Listed devices the group lacks: claim a package for each and add it. */
  missing: LeafMember[];
  /** Leaves the list does not name (a deleted or signed-out device, a user who left): remove them. */
  stale: number[];
}

/**
 * The difference between a group's leaves and the server's device list (GET …/mls/devices, built
 * from the member list): what a commit must add and remove so that every signed-in device of every
 * member is a leaf and nothing else is. Our own leaf is never removed (we are signed in; a commit
 * cannot remove its own committer). `onlyUsers` narrows the adds (adding a few users' devices).
 */
export function diffDevices(
  leaves: Array<LeafMember & { leaf: number }>,
  listed: MlsDevice[],
  self: LeafMember,
  options: { onlyUsers?: ReadonlySet<string>; removeStale: boolean },
): DeviceDiff {
  const wanted = new Map(listed.map((d) => [keyOf({ userId: d.user_id, deviceId: d.device_id }), { userId: d.user_id, deviceId: d.device_id }]));
  const present = new Set(leaves.map(keyOf));
  const missing = [...wanted.entries()]
    .filter(([key, device]) => !present.has(key) && key !== keyOf(self) && (!options.onlyUsers || options.onlyUsers.has(device.userId)))
    .map(([, device]) => device);
  const stale = options.removeStale ? leaves.filter((leaf) => !wanted.has(keyOf(leaf)) && keyOf(leaf) !== keyOf(self)).map((leaf) => leaf.leaf) : [];
  return { missing, stale };
}

export { keyOf as deviceKey };
