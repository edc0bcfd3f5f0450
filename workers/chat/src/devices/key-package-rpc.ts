import {
  keyPackageClaimSchema,
  MLS_LIMITS,
  keyPackageUploadSchema,
  type ClaimedKeyPackage,
  type KeyPackageClaim,
  type KeyPackageClaimResult,
  type KeyPackageCount,
  type KeyPackageUpload,
} from "../../../../lib/contracts/mls";
import { withDb } from "../../../../lib/db";
import { describeError, log } from "../../../../lib/log";
import { forwardResult, toResult, unwrap, type Result } from "../../../../lib/result";
import { durableObjectByName, parseInput, type RpcContext, type WaitUntil } from "../../../../lib/rpc";
import { callerWithDevice } from "./device-mail-rpc";

/**
 * The MLS KeyPackage directory over RPC. Each device's packages live in its own DeviceRoom (the
 * single writer that makes a claim atomic; why not the database: workers/chat/README.md). Uploads
 * and counts are for the caller's own device, the one of its access token; they carry its session,
 * so the room can tell the user's other devices when this one is newly ready (device-readiness.ts).
 */

export function uploadKeyPackagesRpc(env: ChatEnv, rpc: RpcContext, input: KeyPackageUpload): Promise<Result<KeyPackageCount>> {
  return forwardResult(async () => {
    const caller = callerWithDevice(rpc);
    const upload = parseInput(keyPackageUploadSchema, input);
    return durableObjectByName(env.DEVICE_ROOM, caller.deviceId).storeKeyPackages({
      userId: caller.userId,
      deviceId: caller.deviceId,
      ...(caller.sessionId === undefined ? {} : { sessionId: caller.sessionId }),
      upload,
    });
  });
}

export function countKeyPackagesRpc(env: ChatEnv, rpc: RpcContext): Promise<Result<KeyPackageCount>> {
  return forwardResult(async () => {
    const caller = callerWithDevice(rpc);
    return durableObjectByName(env.DEVICE_ROOM, caller.deviceId).countKeyPackages(caller.userId, caller.sessionId);
  });
}

/**
 * One package per device of each user the caller may reach (itself: its other devices; others:
 * sharing a conversation), the most recently seen MLS_LIMITS.devicesPerUser devices each (of those, only
 * the `device_ids` named, when given). Devices are
 * claimed in parallel, each atomically in its own room; one that fails is logged and left out (its
 * user can be claimed again), so one sick object does not fail the whole add.
 */
export function claimKeyPackagesRpc(env: ChatEnv, rpc: RpcContext, input: KeyPackageClaim, executionCtx: WaitUntil): Promise<Result<KeyPackageClaimResult>> {
  return toResult(async () => {
    const caller = callerWithDevice(rpc);
    const claim = parseInput(keyPackageClaimSchema, input);
    const userIds = [...new Set(claim.user_ids)];
    const onlyDevices = claim.device_ids ? new Set(claim.device_ids) : null;
    const targets = await withDb(
      env,
      async (db) => {
        const others = userIds.filter((u) => u !== caller.userId);
        const reachable = new Set(await db.conversations.usersSharingAConversation(caller.userId, others));
        if (userIds.includes(caller.userId)) reachable.add(caller.userId);
        const allowed = userIds.filter((u) => reachable.has(u));
        const lists = await Promise.all(allowed.map((u) => db.users.listAllDevices(u)));
        return allowed.flatMap((userId, i) =>
          [...(lists[i] ?? [])]
            .sort((a, b) => b.lastSeenAt.localeCompare(a.lastSeenAt))
            .slice(0, MLS_LIMITS.devicesPerUser)
            .filter((device) => device.id !== caller.deviceId && (!onlyDevices || onlyDevices.has(device.id)))
            .map((device) => ({ userId, deviceId: device.id })),
        );
      },
      executionCtx,
    );
    const claims = await Promise.allSettled(targets.map(({ userId, deviceId }) => durableObjectByName(env.DEVICE_ROOM, deviceId).claimKeyPackage(userId)));
    const keyPackages: ClaimedKeyPackage[] = [];
    claims.forEach((settled, i) => {
      const target = targets[i];
      if (!target) return;
      try {
        if (settled.status === "rejected") throw settled.reason;
        const claimed = unwrap(settled.value);
        if (claimed) keyPackages.push({ user_id: target.userId, device_id: target.deviceId, ...claimed });
      } catch (err) {
        log({ event: "unhandled_error", where: "chat.key_package_claim", error: describeError(err), request_id: caller.requestId }, "warn");
      }
    });
    return { key_packages: keyPackages };
  });
}
