import { AppError } from "../../../lib/errors";
import { REQUEST_ID_HEADER } from "../../../lib/rpc";
import { handleDeviceUpgrade } from "./devices/device-upgrade";
import { envelope } from "./rooms/room-upgrade";

/**
 * The chat worker's `fetch`: the gateway forwards `/v1/ws/events` here after authenticating (ticket
 * or bearer), to the device's room (./devices/device-upgrade.ts). `/v1/ws/chat` upgrades do not pass
 * through this worker: the gateway forwards them straight to the conversation's room, which checks
 * membership from its own member list (rooms/room-upgrade.ts). Refusals are the error envelope, 4xx.
 */
export async function handleChatFetch(request: Request, env: ChatEnv): Promise<Response> {
  const requestId = request.headers.get(REQUEST_ID_HEADER) ?? "ws";
  if (new URL(request.url).pathname === "/v1/ws/events") return handleDeviceUpgrade(request, env, requestId);
  return envelope(new AppError("NOT_FOUND", "No such route."), requestId);
}
