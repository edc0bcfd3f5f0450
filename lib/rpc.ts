import * as z from "zod";

/** Passed as the first argument of every RPC call so one request can be followed across workers. */
export const rpcContextSchema = z.object({
  requestId: z.string().min(1).max(128),
  /** The verified caller, set by the gateway after token verification. */
  userId: z.string().min(1).max(64).optional(),
  /** The caller's session, when the call came with an access token. */
  sessionId: z.string().min(1).max(64).optional(),
  /** Client IP (CF-Connecting-IP), for throttling. */
  ip: z.string().max(64).optional(),
  /** The origin the client called, for URLs the server hands back (dev presigned URLs). */
  origin: z.string().max(512).optional(),
});
export type RpcContext = z.infer<typeof rpcContextSchema>;

/** An authenticated context: the gateway only calls these methods after verifying a token. */
export type AuthedContext = RpcContext & { userId: string };

/** Header the gateway sets on forwarded WebSocket upgrades (after stripping any client copy). */
export const VERIFIED_USER_HEADER = "x-sc-verified-user";
export const REQUEST_ID_HEADER = "x-request-id";
