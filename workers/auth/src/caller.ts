import { AppError } from "../../../lib/errors";
import { rpcContextSchema, type RpcContext } from "../../../lib/rpc";

export interface Caller {
  userId: string;
  sessionId: string | undefined;
}

/** The verified caller the gateway put on the context; methods that need one refuse without it. */
export function requireCaller(ctx: RpcContext): Caller {
  const parsed = rpcContextSchema.safeParse(ctx);
  if (!parsed.success || !parsed.data.userId) throw new AppError("UNAUTHORIZED", "A signed-in caller is required.");
  return { userId: parsed.data.userId, sessionId: parsed.data.sessionId };
}

/** Validates an RPC context (callers are trusted, but shapes are still checked at the boundary). */
export function checkContext(ctx: RpcContext): RpcContext {
  const parsed = rpcContextSchema.safeParse(ctx);
  if (!parsed.success) throw new AppError("BAD_REQUEST", "Malformed RPC context.");
  return parsed.data;
}
