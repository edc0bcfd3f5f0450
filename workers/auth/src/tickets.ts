/** Single-use WebSocket tickets: browsers cannot set headers on a socket, so they pass `?ticket=`. */
import { opaqueTokenSchema, type WsTicketView } from "../../../lib/contracts/auth";
import { AppError } from "../../../lib/errors";
import { randomToken, sha256Hex } from "../../../lib/ids";
import type { TicketOwner, WsTicket } from "../../../lib/contracts/auth-rpc";
import { verifiedCaller, type RpcContext } from "../../../lib/rpc";
import { isoIn, WS_TICKET_TTL_SECONDS } from "./lifetimes";
import { withRepos } from "./repos";

/** Bound to the caller and the caller's device (a device stream opened with it is that device's). */
export async function issueTicket(env: AuthEnv, rpc: RpcContext): Promise<WsTicketView> {
  const caller = verifiedCaller(rpc);
  const ticket = randomToken();
  const ticketHash = await sha256Hex(ticket);
  await withRepos(env, (repos) =>
    repos.sessions.createWsTicket({ ticketHash, userId: caller.userId, deviceId: caller.deviceId ?? null, expiresAt: isoIn(WS_TICKET_TTL_SECONDS * 1000) }),
  );
  return { ticket, expires_in: WS_TICKET_TTL_SECONDS };
}

/** A ticket works once, within its 60 s; anything else is UNAUTHORIZED. It answers the device it was issued to. */
export async function consumeTicket(env: AuthEnv, ticketInput: WsTicket): Promise<TicketOwner> {
  const parsed = opaqueTokenSchema.safeParse(ticketInput);
  if (!parsed.success) throw new AppError("UNAUTHORIZED", "Invalid or expired ticket.");
  const ticketHash = await sha256Hex(parsed.data);
  const row = await withRepos(env, (repos) => repos.sessions.consumeWsTicket(ticketHash));
  if (!row) throw new AppError("UNAUTHORIZED", "Invalid or expired ticket.");
  return row.deviceId !== null ? { userId: row.userId, deviceId: row.deviceId } : { userId: row.userId };
}
