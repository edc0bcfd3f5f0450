import {
  ackDeviceMailInputSchema,
  postDeviceMailInputSchema,
  type AckDeviceMailInput,
  type MailboxPage,
  type MailboxPosted,
  type PostDeviceMailInput,
} from "../../../../lib/contracts/device-rpc";
import { withDb } from "../../../../lib/db";
import { AppError } from "../../../../lib/errors";
import { forwardResult, type Result } from "../../../../lib/result";
import { durableObjectByName, parseInput, verifiedCaller, type AuthedContext, type RpcContext, type WaitUntil } from "../../../../lib/rpc";

/**
 * Device mailboxes over RPC: posting to a device (the caller's own, or one of a user who shares a
 * conversation with the caller), and the HTTP fallback of the stream for the caller's own device.
 * The device room's Result is the answer as it is.
 */

/** The verified caller with the device of its token: sessions from before devices cannot use these. */
export function callerWithDevice(rpc: RpcContext): AuthedContext & { deviceId: string } {
  const caller = verifiedCaller(rpc);
  if (caller.deviceId === undefined) throw new AppError("UNAUTHORIZED", "This session has no device; sign in again.");
  return { ...caller, deviceId: caller.deviceId };
}

export function postDeviceMailRpc(env: ChatEnv, rpc: RpcContext, input: PostDeviceMailInput, executionCtx: WaitUntil): Promise<Result<MailboxPosted>> {
  return forwardResult(async () => {
    const caller = callerWithDevice(rpc);
    const { deviceId, payload } = parseInput(postDeviceMailInputSchema, input);
    // Unknown, and known but out of reach, are the same 404: the answer never tells whether a device exists.
    const owner = await withDb(env, (db) => db.conversations.deviceOwnerVisibleTo(deviceId, caller.userId), executionCtx);
    if (owner === null) throw new AppError("NOT_FOUND", "No such device.");
    return durableObjectByName(env.DEVICE_ROOM, deviceId).postMail({ fromUserId: caller.userId, fromDeviceId: caller.deviceId, payload });
  });
}

export function listDeviceMailRpc(env: ChatEnv, rpc: RpcContext): Promise<Result<MailboxPage>> {
  return forwardResult(async () => {
    const caller = callerWithDevice(rpc);
    return durableObjectByName(env.DEVICE_ROOM, caller.deviceId).listMail(caller.userId);
  });
}

export function ackDeviceMailRpc(env: ChatEnv, rpc: RpcContext, input: AckDeviceMailInput): Promise<Result<null>> {
  return forwardResult(async () => {
    const caller = callerWithDevice(rpc);
    const { ids } = parseInput(ackDeviceMailInputSchema, input);
    return durableObjectByName(env.DEVICE_ROOM, caller.deviceId).ackMail(caller.userId, ids);
  });
}
