import type { Context } from "hono";
import { MAX_SIGNED_OUT_DEVICES } from "../../../../lib/contracts/device-rpc";
import { describeError, log } from "../../../../lib/log";
import type { AuthedContext } from "../../../../lib/rpc";
import type { GatewayBindings } from "../types";

/**
 * After a sign-out, a session revocation, a password change or a device deletion: the caller's
 * devices it left with no session (auth's answer) go to the chat worker, which tells the user's
 * other devices so their MLS groups drop those leaves now (workers/chat/src/devices/device-announce.ts).
 * After the answer and best effort: a lost call leaves the removal to the next open or send.
 */
export function announceSignedOut(c: Context<GatewayBindings>, rpc: AuthedContext, deviceIds: readonly string[]): void {
  if (deviceIds.length === 0) return;
  const told = c.env.CHAT.devicesSignedOut(rpc, { device_ids: deviceIds.slice(0, MAX_SIGNED_OUT_DEVICES) }).then(
    (result) => {
      if (!result.ok) log({ event: "unhandled_error", where: "gateway.devices_signed_out", error: result.error.message, request_id: rpc.requestId }, "warn");
    },
    (err: unknown) => log({ event: "unhandled_error", where: "gateway.devices_signed_out", error: describeError(err), request_id: rpc.requestId }, "warn"),
  );
  c.executionCtx.waitUntil(told);
}
