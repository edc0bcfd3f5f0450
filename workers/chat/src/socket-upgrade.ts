import { idSchema } from "../../../lib/contracts/chat";
import { batchQuerySchema, MESSAGE_BATCH } from "../../../lib/contracts/chat-frames";
import { seqParamSchema } from "../../../lib/contracts/decimal-param";
import { withDb } from "../../../lib/db";
import { AppError } from "../../../lib/errors";
import { durableObjectByName, REQUEST_ID_HEADER, VERIFIED_USER_HEADER, type WaitUntil } from "../../../lib/rpc";
import { handleDeviceUpgrade } from "./devices/device-upgrade";
import { envelope, refuse } from "./rooms/room-upgrade";

/**
 * The chat worker's `fetch`: the gateway forwards `/v1/ws/chat` here after authenticating (ticket or
 * bearer) with the verified user id in VERIFIED_USER_HEADER (`/v1/ws/events` goes to the device's
 * room, ./devices/device-upgrade.ts). Membership is checked against the
 * database, then the upgrade goes to the conversation's room. Refusals are the error envelope, 4xx.
 */
export async function handleChatFetch(request: Request, env: ChatEnv, executionCtx: WaitUntil): Promise<Response> {
  const requestId = request.headers.get(REQUEST_ID_HEADER) ?? "ws";
  const url = new URL(request.url);
  if (url.pathname === "/v1/ws/events") return handleDeviceUpgrade(request, env, requestId);
  if (url.pathname !== "/v1/ws/chat") return envelope(new AppError("NOT_FOUND", "No such route."), requestId);
  try {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") throw new AppError("BAD_REQUEST", "Expected a WebSocket upgrade request.");
    const userId = request.headers.get(VERIFIED_USER_HEADER);
    if (!userId) throw new AppError("UNAUTHORIZED", "A valid ticket or access token is required.");
    const conversationId = idSchema.safeParse(url.searchParams.get("conversation_id"));
    if (!conversationId.success)
      throw new AppError("VALIDATION_ERROR", "conversation_id is required.", [{ field: "conversation_id", message: "an opaque id" }]);
    const since = url.searchParams.get("since_seq");
    if (since !== null && !seqParamSchema.safeParse(since).success)
      throw new AppError("VALIDATION_ERROR", "since_seq must be a sequence number.", [{ field: "since_seq", message: "a non-negative integer" }]);
    const batch = batchQuerySchema.nullable().safeParse(url.searchParams.get("batch"));
    if (!batch.success) throw new AppError("VALIDATION_ERROR", "batch must be 0 or 1.", [{ field: "batch", message: "0 or 1" }]);
    const member = await withDb(env, (db) => db.conversations.isMember(conversationId.data, userId), executionCtx);
    if (!member) throw new AppError("NOT_FOUND", "No such conversation.");
    const forward = new URL("https://room/connect");
    forward.searchParams.set("conversation_id", conversationId.data);
    if (since !== null) forward.searchParams.set("since_seq", since);
    if (batch.data === MESSAGE_BATCH.queryValue) forward.searchParams.set("batch", batch.data);
    const headers = new Headers({ upgrade: "websocket", [VERIFIED_USER_HEADER]: userId, [REQUEST_ID_HEADER]: requestId });
    return await durableObjectByName(env.CONVERSATION_ROOM, conversationId.data).fetch(new Request(forward, { headers }));
  } catch (err) {
    return refuse(err, requestId);
  }
}
