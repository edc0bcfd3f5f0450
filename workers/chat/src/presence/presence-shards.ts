import type { PresenceView } from "../../../../lib/contracts/chat";
import type { OnlineDevices } from "../../../../lib/contracts/device-rpc";
import { durableObjectByName } from "../../../../lib/rpc";

/**
 * Presence is held by PresenceRoom shards keyed by a hash of the user id: one user's state lives in
 * exactly one shard (no cross-shard counting), and no single object sees every connect of the system.
 */
export const PRESENCE_SHARDS = 32;

function shardOf(userId: string): number {
  // FNV-1a: cheap, stable, well spread for ids.
  let h = 0x811c9dc5;
  for (let i = 0; i < userId.length; i++) {
    h ^= userId.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % PRESENCE_SHARDS;
}

function shard(env: ChatEnv, index: number) {
  return durableObjectByName(env.PRESENCE_ROOM, `presence-shard-${index}`);
}

/** A room tells the user's shard that the user now has (or no longer has) a socket in it. */
export async function reportRoomConnection(env: ChatEnv, userId: string, conversationId: string, connected: boolean): Promise<void> {
  await shard(env, shardOf(userId)).setRoomConnection(userId, conversationId, connected);
}

/** A DeviceRoom tells the user's shard that the device's event stream is now open (or closed). */
export async function reportDeviceConnection(env: ChatEnv, userId: string, deviceId: string, connected: boolean): Promise<void> {
  await shard(env, shardOf(userId)).setDeviceConnection(userId, deviceId, connected);
}

/** The user ids grouped by the shard that holds them. */
function byShard(userIds: readonly string[]): Map<number, string[]> {
  const groups = new Map<number, string[]>();
  for (const userId of userIds) {
    const index = shardOf(userId);
    const group = groups.get(index);
    if (group) group.push(userId);
    else groups.set(index, [userId]);
  }
  return groups;
}

/** Current presence of up to a page of users, one RPC per shard involved. */
export async function presenceOf(env: ChatEnv, userIds: readonly string[]): Promise<PresenceView[]> {
  const answers = await Promise.all([...byShard(userIds)].map(([index, ids]) => shard(env, index).statusOf(ids)));
  const found = new Map(answers.flat().map((p) => [p.user_id, p]));
  return userIds.map((userId) => found.get(userId) ?? { user_id: userId, status: "offline", last_seen_at: null });
}

/**
 * Which of these users have device streams open, and on which devices (users without any are left
 * out), one RPC per shard involved: what a room asks before publishing to its members' devices.
 */
export async function onlineDevicesOf(env: ChatEnv, userIds: readonly string[]): Promise<OnlineDevices[]> {
  const answers = await Promise.all([...byShard([...new Set(userIds)])].map(([index, ids]) => shard(env, index).onlineDevices(ids)));
  return answers.flat();
}
