import * as z from "zod";
import { AppError, detailsFromZod } from "./errors";

/**
 * The RPC seam between workers, in one place: the context every call carries, and the helpers each
 * service uses at its boundary. Naming: `rpc` is this RpcContext; `ctx` stays the runtime's own
 * (`this.ctx`: ExecutionContext or DurableObjectState), passed on as `executionCtx`.
 */

/** Passed as the first argument of every RPC call so one request can be followed across workers. */
export const rpcContextSchema = z.object({
  requestId: z.string().min(1).max(128),
  /** The verified caller, set by the gateway after token verification. */
  userId: z.string().min(1).max(64).optional(),
  /** The caller's session, when the call came with an access token. */
  sessionId: z.string().min(1).max(64).optional(),
  /** The session's device (the token's `did`); absent only for tokens minted before devices. */
  deviceId: z.string().min(1).max(64).optional(),
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
/** Beside it on `/v1/ws/events` upgrades: the device of the verified token or ticket (never from the query). */
export const VERIFIED_DEVICE_HEADER = "x-sc-verified-device";
export const REQUEST_ID_HEADER = "x-request-id";

/** What keeps work alive after the answer: an ExecutionContext or a DurableObjectState. */
export type WaitUntil = { waitUntil(promise: Promise<unknown>): void };

/**
 * Re-validates an RPC input with its contract schema: the gateway is trusted, shapes are not. A bad
 * one is the caller's VALIDATION_ERROR, one detail per field.
 */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, message = "The request is not valid."): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new AppError("VALIDATION_ERROR", message, detailsFromZod(parsed.error));
  return parsed.data;
}

/** The verified caller the gateway put on the RPC context; methods that need one refuse without it. */
export function verifiedCaller(rpc: RpcContext): AuthedContext {
  const parsed = rpcContextSchema.safeParse(rpc);
  const userId = parsed.success ? parsed.data.userId : undefined;
  if (!parsed.success || userId === undefined) throw new AppError("UNAUTHORIZED", "A valid access token is required.");
  return { ...parsed.data, userId };
}

/** The Durable Object named `name`: rooms, shards and call lines are all addressed by name. */
export function durableObjectByName<T extends Rpc.DurableObjectBranded | undefined>(namespace: DurableObjectNamespace<T>, name: string): DurableObjectStub<T> {
  return namespace.get(namespace.idFromName(name));
}
