import { callIdSchema } from "../../../lib/contracts/calls";
import { log } from "../../../lib/log";
import { REQUEST_ID_HEADER, VERIFIED_USER_HEADER } from "../../../lib/rpc";
import { refuse } from "./rooms/room-signaling";
import { roomOf } from "./service/room-of";

/**
 * The calls worker's `fetch`: only the gateway reaches it (service binding), with upgrades of
 * `/v1/ws/signaling` carrying the verified user. Refusals are the error envelope with a 4xx; the
 * room decides whether this user is in this call.
 */
export async function handleSignalingFetch(request: Request, env: CallsEnv): Promise<Response> {
  const url = new URL(request.url);
  const requestId = request.headers.get(REQUEST_ID_HEADER) ?? "unknown";
  if (url.pathname !== "/v1/ws/signaling") return refuse("NOT_FOUND", "No such route.", requestId);
  if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") return refuse("BAD_REQUEST", "Expected a WebSocket upgrade request.", requestId);
  if (!request.headers.get(VERIFIED_USER_HEADER)) {
    log({ event: "socket_refused", room: "call", reason: "unauthenticated", request_id: requestId }, "warn");
    return refuse("UNAUTHORIZED", "A valid ticket or access token is required.", requestId);
  }
  const callId = callIdSchema.safeParse(url.searchParams.get("call_id"));
  if (!callId.success) return refuse("VALIDATION_ERROR", "call_id is not a valid call id.", requestId);
  return roomOf(env, callId.data).fetch(request);
}
