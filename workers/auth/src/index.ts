import { WorkerEntrypoint } from "cloudflare:workers";
import type { JSONWebKeySet } from "jose";
import type { SessionView, TokenPair, WsTicketView } from "../../../lib/contracts/auth";
import type { SessionStatus } from "../../../lib/jwt";
import type { MailboxList } from "../../../lib/contracts/dev";
import type { ServiceHealth } from "../../../lib/contracts/health";
import type { DeviceView, PublicUserView, UserSearchResult, UserView } from "../../../lib/contracts/users";
import { toResult, type Result } from "../../../lib/result";
import type { RpcContext } from "../../../lib/rpc";
import * as accounts from "./accounts";
import * as emailFlows from "./email-flows";
import { consumeEmailBatch } from "./email/consumer";
import { devMailbox, withEmailHealth } from "./email/email-rpc";
import { authHealth } from "./health";
import { purgeExpiredCredentials } from "./housekeeping";
import { keyRing } from "./keys";
import * as profiles from "./profiles";
import * as sessions from "./sessions";
import * as tickets from "./tickets";

/**
 * RPC surface of the auth worker; the gateway is its only caller. Each method is one line into a
 * module: expected failures come back as Result values (see lib/result.ts).
 */
export class AuthService extends WorkerEntrypoint<AuthEnv> {
  async health(ctx: RpcContext): Promise<Result<ServiceHealth>> {
    return toResult(async () => withEmailHealth(await authHealth(this.env, ctx), this.env));
  }

  /** The public keys that verify access tokens (every key of the ring, newest last). */
  async jwks(_ctx: RpcContext): Promise<Result<JSONWebKeySet>> {
    return toResult(async () => (await keyRing(this.env.JWT_SIGNING_KEYS)).jwks);
  }

  /** Whether a session may still be used (not revoked, not expired), and whose it is. */
  async sessionStatus(_ctx: RpcContext, sessionId: string): Promise<Result<SessionStatus>> {
    return toResult(() => sessions.sessionStatus(this.env, sessionId));
  }

  /** Consumes a single-use WebSocket ticket, answering the user it was issued to. */
  async consumeTicket(_ctx: RpcContext, ticket: string): Promise<Result<{ userId: string }>> {
    return toResult(() => tickets.consumeTicket(this.env, ticket));
  }

  async issueTicket(ctx: RpcContext): Promise<Result<WsTicketView>> {
    return toResult(() => tickets.issueTicket(this.env, ctx));
  }

  async register(ctx: RpcContext, input: unknown, meta?: unknown): Promise<Result<TokenPair>> {
    return toResult(() => accounts.register(this.env, ctx, input, meta));
  }

  async login(ctx: RpcContext, input: unknown, meta?: unknown): Promise<Result<TokenPair>> {
    return toResult(() => accounts.login(this.env, ctx, input, meta));
  }

  async refresh(ctx: RpcContext, input: unknown): Promise<Result<TokenPair>> {
    return toResult(() => sessions.refresh(this.env, ctx, input));
  }

  async logout(ctx: RpcContext): Promise<Result<{ session_id: string }>> {
    return toResult(() => sessions.logout(this.env, ctx));
  }

  async listSessions(ctx: RpcContext): Promise<Result<{ sessions: SessionView[] }>> {
    return toResult(() => sessions.listSessions(this.env, ctx));
  }

  async revokeSession(ctx: RpcContext, sessionId: string): Promise<Result<{ session_id: string }>> {
    return toResult(() => sessions.revokeSession(this.env, ctx, sessionId));
  }

  async verifyEmail(ctx: RpcContext, input: unknown): Promise<Result<{ user: UserView }>> {
    return toResult(() => emailFlows.verifyEmail(this.env, ctx, input));
  }

  async resendVerification(ctx: RpcContext): Promise<Result<null>> {
    return toResult(async () => (await emailFlows.resendVerification(this.env, ctx), null));
  }

  async forgotPassword(ctx: RpcContext, input: unknown): Promise<Result<null>> {
    const defer = (work: Promise<unknown>): void => this.ctx.waitUntil(work);
    return toResult(async () => (await emailFlows.forgotPassword(this.env, ctx, input, defer), null));
  }

  async resetPassword(ctx: RpcContext, input: unknown): Promise<Result<{ revoked_session_ids: string[] }>> {
    return toResult(() => emailFlows.resetPassword(this.env, ctx, input));
  }

  async getMe(ctx: RpcContext): Promise<Result<{ user: UserView }>> {
    return toResult(() => profiles.getMe(this.env, ctx));
  }

  async updateMe(ctx: RpcContext, input: unknown): Promise<Result<{ user: UserView }>> {
    return toResult(() => profiles.updateMe(this.env, ctx, input));
  }

  async getUser(ctx: RpcContext, userId: string): Promise<Result<{ user: PublicUserView }>> {
    return toResult(() => profiles.getPublicProfile(this.env, ctx, userId));
  }

  async searchUsers(ctx: RpcContext, input: unknown): Promise<Result<UserSearchResult>> {
    return toResult(() => profiles.searchUsers(this.env, ctx, input));
  }

  async registerDevice(ctx: RpcContext, input: unknown): Promise<Result<{ device_id: string }>> {
    return toResult(() => profiles.registerDevice(this.env, ctx, input));
  }

  async listDevices(ctx: RpcContext): Promise<Result<{ devices: DeviceView[] }>> {
    return toResult(() => profiles.listDevices(this.env, ctx));
  }

  async deleteDevice(ctx: RpcContext, deviceId: string): Promise<Result<null>> {
    return toResult(async () => (await profiles.deleteDevice(this.env, ctx, deviceId), null));
  }

  /** Development only (NOT_FOUND in production): the dev mailbox the EMAIL consumer fills. */
  async devMailbox(_ctx: RpcContext, input: unknown): Promise<Result<MailboxList>> {
    return toResult(() => devMailbox(this.env, input));
  }
}

export default {
  async fetch(): Promise<Response> {
    return new Response(null, { status: 404 });
  },
  queue: (batch, env, _ctx) => consumeEmailBatch(batch, env),
  scheduled: (_controller, env, _ctx) => purgeExpiredCredentials(env),
} satisfies ExportedHandler<AuthEnv>;
