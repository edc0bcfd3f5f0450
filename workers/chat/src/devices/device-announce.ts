import { devicesSignedOutInputSchema, type DevicesSignedOutInput } from "../../../../lib/contracts/device-rpc";
import type { DeviceEvent } from "../../../../lib/contracts/device-stream";
import { MLS_LIMITS } from "../../../../lib/contracts/mls";
import { withDb } from "../../../../lib/db";
import { describeError, log } from "../../../../lib/log";
import { mapBounded } from "../../../../lib/map-bounded";
import { toResult, type Result } from "../../../../lib/result";
import { durableObjectByName, parseInput, verifiedCaller, type RpcContext, type WaitUntil } from "../../../../lib/rpc";

export type DeviceChange = Extract<DeviceEvent, { kind: "devices" }>;

/** Publishes in flight: a user has at most MLS_LIMITS.devicesPerUser devices that hear it. */
const PUBLISH_CONCURRENCY = 8;

/**
 * Tells a user's own other signed-in devices that the user's set of devices changed, so the SDK on
 * each runs its device check for the encrypted conversations it holds (adding a new device's leaf,
 * dropping a signed-out one's) without waiting for an open or a send. Only the user's own devices:
 * they are members of every conversation the user is in, so one of them can act everywhere, and the
 * cost is one database read plus at most 20 publishes, whatever the number of conversations or
 * contacts (telling every contact would be a fan-out over all those conversations' members). Sent
 * to offline devices too (a resume replays it; the stream coalesces it per device). Best effort:
 * a lost announcement leaves the change to the next open or send (client/README.md).
 */
export async function announceDeviceChanges(env: ChatEnv, userId: string, changes: readonly DeviceChange[], executionCtx?: WaitUntil): Promise<void> {
  if (changes.length === 0) return;
  const changed = new Set(changes.map((c) => c.device_id));
  try {
    const rows = await withDb(env, (db) => db.users.listSignedInDevices([userId]), executionCtx);
    // Most recently seen first: the same devices the MLS device list names.
    const targets = rows
      .slice(0, MLS_LIMITS.devicesPerUser)
      .map((row) => row.deviceId)
      .filter((id) => !changed.has(id));
    await mapBounded(targets, PUBLISH_CONCURRENCY, async (deviceId) => {
      try {
        await durableObjectByName(env.DEVICE_ROOM, deviceId).publish(userId, [...changes]);
      } catch (err) {
        log({ event: "unhandled_error", where: "chat.device_announce", error: `${deviceId}: ${describeError(err)}` }, "warn");
      }
    });
  } catch (err) {
    log({ event: "unhandled_error", where: "chat.device_announce", error: describeError(err) }, "warn");
  }
}

/** The gateway's call after a sign-out, session revocation, password change or device deletion of the caller's user. */
export function devicesSignedOutRpc(env: ChatEnv, rpc: RpcContext, input: DevicesSignedOutInput, executionCtx: WaitUntil): Promise<Result<null>> {
  return toResult(async () => {
    const caller = verifiedCaller(rpc);
    const { device_ids } = parseInput(devicesSignedOutInputSchema, input);
    const changes = [...new Set(device_ids)].map((device_id): DeviceChange => ({ kind: "devices", change: "removed", device_id }));
    await announceDeviceChanges(env, caller.userId, changes, executionCtx);
    return null;
  });
}
