import { idSchema } from "../../../../lib/contracts/chat";
import { batchQuerySchema, MESSAGE_BATCH } from "../../../../lib/contracts/chat-frames";
import { seqParamSchema } from "../../../../lib/contracts/decimal-param";
import { AppError, errorBody, statusOf } from "../../../../lib/errors";
import { describeError, log } from "../../../../lib/log";
import { REQUEST_ID_HEADER, VERIFIED_USER_HEADER } from "../../../../lib/rpc";

export type UpgradeRequest = { conversationId: string; userId: string; sinceSeq?: number; batch: boolean };

export function upgradeRequestId(request: Request): string {
  return request.headers.get(REQUEST_ID_HEADER) ?? "ws";
}

/**
 * What the gateway forwards after authenticating: the verified user id in VERIFIED_USER_HEADER (any
 * client copy dropped) and the client's query. The gateway validated the query already; the room
 * checks it again because it is the one that acts on it, and it checks membership itself.
 */
export function parseUpgrade(request: Request): UpgradeRequest {
  if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") throw new AppError("BAD_REQUEST", "Expected a WebSocket upgrade request.");
  const userId = request.headers.get(VERIFIED_USER_HEADER);
  if (!userId) throw new AppError("UNAUTHORIZED", "A valid ticket or access token is required.");
  const url = new URL(request.url);
  const conversationId = idSchema.safeParse(url.searchParams.get("conversation_id"));
  if (!conversationId.success) throw new AppError("VALIDATION_ERROR", "conversation_id is required.", [{ field: "conversation_id", message: "an opaque id" }]);
  const since = seqParamSchema.optional().safeParse(url.searchParams.get("since_seq") ?? undefined);
  if (!since.success)
    throw new AppError("VALIDATION_ERROR", "since_seq must be a sequence number.", [{ field: "since_seq", message: "a non-negative integer" }]);
  const batch = batchQuerySchema.optional().safeParse(url.searchParams.get("batch") ?? undefined);
  if (!batch.success) throw new AppError("VALIDATION_ERROR", "batch must be 0 or 1.", [{ field: "batch", message: "0 or 1" }]);
  return {
    conversationId: conversationId.data,
    userId,
    batch: batch.data === MESSAGE_BATCH.queryValue,
    ...(since.data !== undefined ? { sinceSeq: since.data } : {}),
  };
}

/** A refused upgrade: the error envelope with a 4xx; an unexpected failure is a 503 that leaks nothing, never a 500. */
export function refuse(err: unknown, requestId: string): Response {
  if (err instanceof AppError) return envelope(err, requestId);
  log({ event: "unhandled_error", where: "chat.upgrade", error: describeError(err), request_id: requestId }, "error");
  return envelope(new AppError("SERVICE_UNAVAILABLE", "The conversation is unavailable; try again."), requestId);
}

export function envelope(err: AppError, requestId: string): Response {
  return Response.json(errorBody(err.toShape(), requestId), { status: statusOf(err.code) });
}
