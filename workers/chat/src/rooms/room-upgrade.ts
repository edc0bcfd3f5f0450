import { MESSAGE_BATCH } from "../../../../lib/contracts/chat-frames";
import { seqParamSchema } from "../../../../lib/contracts/decimal-param";
import { AppError, errorBody, statusOf } from "../../../../lib/errors";
import { describeError, log } from "../../../../lib/log";
import { REQUEST_ID_HEADER, VERIFIED_USER_HEADER } from "../../../../lib/rpc";

export type UpgradeRequest = { conversationId: string; userId: string; sinceSeq?: number; batch: boolean; requestId: string };

/** Headers and query the chat worker's `fetch` forwards after authenticating and checking membership. */
export function parseUpgrade(request: Request): UpgradeRequest {
  const url = new URL(request.url);
  const since = seqParamSchema.optional().safeParse(url.searchParams.get("since_seq") ?? undefined);
  const sinceSeq = since.success ? since.data : undefined;
  return {
    conversationId: url.searchParams.get("conversation_id") ?? "",
    userId: request.headers.get(VERIFIED_USER_HEADER) ?? "",
    requestId: request.headers.get(REQUEST_ID_HEADER) ?? "ws",
    batch: url.searchParams.get("batch") === MESSAGE_BATCH.queryValue,
    ...(sinceSeq !== undefined ? { sinceSeq } : {}),
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
