import { callIdSchema } from "../../../lib/contracts/calls";
import { AppError } from "../../../lib/errors";
import { log } from "../../../lib/log";
import { durableObjectByName, REQUEST_ID_HEADER, VERIFIED_USER_HEADER } from "../../../lib/rpc";
import { refuse } from "./rooms/room-signaling";
import { requireCallAccess } from "./service/call-access";

/**
 * The calls worker's `fetch`: only the gateway reaches it (service binding), with upgrades of
 * `/v1/ws/signaling` carrying the verified user. Refusals are the error envelope with a 4xx. A caller
 * who is not (or no longer) a member of the call's conversation is NOT_FOUND here; the room then
 * decides whether this user is in this call.
 */
export async function handleSignalingFetch(request: Request, env: CallsEnv): Promise<Response> {
  const url = new URL(request.url);
  const requestId = request.headers.get(REQUEST_ID_HEADER) ?? "unknown";
  if (url.pathname !== "/v1/ws/signaling") return refuse("NOT_FOUND", "No such route.", requestId);
  if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") return refuse("BAD_REQUEST", "Expected a WebSocket upgrade request.", requestId);
  const userId = request.headers.get(VERIFIED_USER_HEADER);
  if (!userId) {
    log({ event: "socket_refused", room: "call", reason: "unauthenticated", request_id: requestId }, "warn");
    return refuse("UNAUTHORIZED", "A valid ticket or access token is required.", requestId);
  }
  const callId = callIdSchema.safeParse(url.searchParams.get("call_id"));
  if (!callId.success) return refuse("VALIDATION_ERROR", "call_id is not a valid call id.", requestId);
  try {
    await requireCallAccess(env, { requestId, userId }, callId.data, "signaling");
  } catch (err) {
    if (err instanceof AppError) return refuse(err.code, err.message, requestId);
    throw err;
  }
  return durableObjectByName(env.CALL_ROOM, callId.data).fetch(request);
}
