import { deviceStreamQuerySchema } from "../../../../lib/contracts/device-stream";
import { deviceIdSchema } from "../../../../lib/contracts/users";
import { AppError } from "../../../../lib/errors";
import { durableObjectByName, REQUEST_ID_HEADER, VERIFIED_DEVICE_HEADER, VERIFIED_USER_HEADER } from "../../../../lib/rpc";
import { refuse } from "../rooms/room-upgrade";

/**
 * `/v1/ws/events`, forwarded by the gateway after authenticating (ticket or bearer) with the
 * verified user and device in headers the client cannot set: the upgrade goes to that device's
 * room, so a device can only ever open its own stream. The room checks the owner itself.
 */
export async function handleDeviceUpgrade(request: Request, env: ChatEnv, requestId: string): Promise<Response> {
  try {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") throw new AppError("BAD_REQUEST", "Expected a WebSocket upgrade request.");
    const userId = request.headers.get(VERIFIED_USER_HEADER);
    const deviceId = deviceIdSchema.safeParse(request.headers.get(VERIFIED_DEVICE_HEADER));
    if (!userId || !deviceId.success) throw new AppError("UNAUTHORIZED", "A valid ticket or access token of a signed-in device is required.");
    const since = new URL(request.url).searchParams.get("since");
    if (!deviceStreamQuerySchema.safeParse({ since: since ?? undefined }).success) {
      throw new AppError("VALIDATION_ERROR", "since must be a stream position.", [{ field: "since", message: "decimal digits" }]);
    }
    const forward = new URL("https://device/connect");
    if (since !== null) forward.searchParams.set("since", since);
    const headers = new Headers({
      upgrade: "websocket",
      [VERIFIED_USER_HEADER]: userId,
      [VERIFIED_DEVICE_HEADER]: deviceId.data,
      [REQUEST_ID_HEADER]: requestId,
    });
    return await durableObjectByName(env.DEVICE_ROOM, deviceId.data).fetch(new Request(forward, { headers }));
  } catch (err) {
    return refuse(err, requestId);
  }
}
