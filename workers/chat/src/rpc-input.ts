import type * as z from "zod";
import { AppError, detailsFromZod } from "../../../lib/errors";
import { rpcContextSchema, type RpcContext } from "../../../lib/rpc";

/** Re-validates an RPC input: the gateway is the only caller, but a service trusts no caller's shapes. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new AppError("VALIDATION_ERROR", "The request is not valid.", detailsFromZod(parsed.error));
  return parsed.data;
}

/** The verified caller of an authenticated method. */
export function callerOf(ctx: RpcContext): { userId: string; requestId: string } {
  const parsed = parseInput(rpcContextSchema, ctx);
  if (parsed.userId === undefined) throw new AppError("UNAUTHORIZED", "A valid access token is required.");
  return { userId: parsed.userId, requestId: parsed.requestId };
}

export function roomOf(env: ChatEnv, conversationId: string) {
  return env.CONVERSATION_ROOM.get(env.CONVERSATION_ROOM.idFromName(conversationId));
}
