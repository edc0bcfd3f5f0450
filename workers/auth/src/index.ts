import { WorkerEntrypoint } from "cloudflare:workers";
import type { JSONWebKeySet } from "jose";
import type { ClientMeta, LoginInput, RegisterInput, ResetPasswordInput, TokenPair, WsTicketView } from "../../../lib/contracts/auth";
import type {
  DeviceCreated,
  DeviceDeleted,
  DeviceId,
  DeviceList,
  ForgotPasswordInput,
  PublicUserEnvelope,
  RefreshInput,
  RevokedSession,
  RevokedSessions,
  SessionId,
  SessionList,
  TicketOwner,
  UserEnvelope,
  UserId,
  VerifyEmailInput,
  WsTicket,
} from "../../../lib/contracts/auth-rpc";
import type { ChangeEmailInput, ChangePasswordInput, ConfirmEmailChangeInput, PasswordChanged } from "../../../lib/contracts/credentials";
import type { MailboxList, MailboxQuery } from "../../../lib/contracts/dev";
import type { ServiceHealth } from "../../../lib/contracts/health";
import type { RegisterDeviceInput, UpdateMeInput, UserSearchInput, UserSearchResult } from "../../../lib/contracts/users";
import type { SessionStatus } from "../../../lib/jwt";
import { toResult, type Result } from "../../../lib/result";
import type { AuthedContext, RpcContext } from "../../../lib/rpc";
import type { AccountDeleted, DeleteAccountInput } from "../../../lib/contracts/account";
import { deleteAccount } from "./account-deletion";
import * as accounts from "./accounts";
import * as credentials from "./credentials";
import * as emailFlows from "./email-flows";
import { consumeEmailBatch } from "./email/consumer";
import { devMailbox, withEmailHealth } from "./email/email-rpc";
import { authHealth } from "./health";
import { purgeExpiredCredentials } from "./housekeeping";
import { keyRing } from "./keys";
import * as profiles from "./profiles";
import * as sessions from "./sessions";
import * as tickets from "./tickets";

type R<T> = Promise<Result<T>>;

/**
 * RPC surface of the auth worker; the gateway is its only caller. Each method is one line into a
 * module: expected failures come back as Result values (see lib/result.ts). Inputs and outputs are
 * types from lib/contracts (auth, auth-rpc, users), re-validated inside.
 */
export class AuthService extends WorkerEntrypoint<AuthEnv> {
  async health(rpc: RpcContext): R<ServiceHealth> {
    return toResult(async () => withEmailHealth(await authHealth(this.env, rpc), this.env));
  }

  /** The public keys that verify access tokens (every key of the ring, newest last). */
  async jwks(_rpc: RpcContext): R<JSONWebKeySet> {
    return toResult(async () => (await keyRing(this.env.JWT_SIGNING_KEYS)).jwks);
  }

  /** Whether a session may still be used (not revoked, not expired), and whose it is. */
  async sessionStatus(_rpc: RpcContext, sessionId: SessionId): R<SessionStatus> {
    return toResult(() => sessions.sessionStatus(this.env, sessionId));
  }

  /** Consumes a single-use WebSocket ticket, answering the user it was issued to. */
  async consumeTicket(_rpc: RpcContext, ticket: WsTicket): R<TicketOwner> {
    return toResult(() => tickets.consumeTicket(this.env, ticket));
  }

  async issueTicket(rpc: AuthedContext): R<WsTicketView> {
    return toResult(() => tickets.issueTicket(this.env, rpc));
  }

  async register(rpc: RpcContext, input: RegisterInput, meta?: ClientMeta): R<TokenPair> {
    return toResult(() => accounts.register(this.env, rpc, input, meta));
  }

  async login(rpc: RpcContext, input: LoginInput, meta?: ClientMeta): R<TokenPair> {
    return toResult(() => accounts.login(this.env, rpc, input, meta));
  }

  async refresh(rpc: RpcContext, input: RefreshInput): R<TokenPair> {
    return toResult(() => sessions.refresh(this.env, rpc, input));
  }

  async logout(rpc: AuthedContext): R<RevokedSession> {
    return toResult(() => sessions.logout(this.env, rpc));
  }

  async listSessions(rpc: AuthedContext): R<SessionList> {
    return toResult(() => sessions.listSessions(this.env, rpc));
  }

  async revokeSession(rpc: AuthedContext, sessionId: SessionId): R<RevokedSession> {
    return toResult(() => sessions.revokeSession(this.env, rpc, sessionId));
  }

  async verifyEmail(rpc: RpcContext, input: VerifyEmailInput): R<UserEnvelope> {
    return toResult(() => emailFlows.verifyEmail(this.env, rpc, input));
  }

  async resendVerification(rpc: AuthedContext): R<null> {
    return toResult(async () => (await emailFlows.resendVerification(this.env, rpc), null));
  }

  async forgotPassword(rpc: RpcContext, input: ForgotPasswordInput): R<null> {
    const defer = (work: Promise<unknown>): void => this.ctx.waitUntil(work);
    return toResult(async () => (await emailFlows.forgotPassword(this.env, rpc, input, defer), null));
  }

  async resetPassword(rpc: RpcContext, input: ResetPasswordInput): R<RevokedSessions> {
    return toResult(() => emailFlows.resetPassword(this.env, rpc, input));
  }

  /** Other sessions end; their ids come back for the gateway's cache. */
  async changePassword(rpc: AuthedContext, input: ChangePasswordInput): R<PasswordChanged> {
    return toResult(() => credentials.changePassword(this.env, rpc, input));
  }

  async requestEmailChange(rpc: AuthedContext, input: ChangeEmailInput): R<null> {
    return toResult(async () => (await credentials.requestEmailChange(this.env, rpc, input), null));
  }

  async confirmEmailChange(rpc: RpcContext, input: ConfirmEmailChangeInput): R<UserEnvelope> {
    return toResult(() => credentials.confirmEmailChange(this.env, rpc, input));
  }

  async getMe(rpc: AuthedContext): R<UserEnvelope> {
    return toResult(() => profiles.getMe(this.env, rpc));
  }

  async updateMe(rpc: AuthedContext, input: UpdateMeInput): R<UserEnvelope> {
    return toResult(() => profiles.updateMe(this.env, rpc, input));
  }

  async getUser(rpc: AuthedContext, userId: UserId): R<PublicUserEnvelope> {
    return toResult(() => profiles.getPublicProfile(this.env, rpc, userId));
  }

  /** Re-authenticated with the password; every session ends at once (their ids come back for the gateway's cache), the erasure is queued. */
  async deleteAccount(rpc: AuthedContext, input: DeleteAccountInput): R<AccountDeleted> {
    return toResult(() => deleteAccount(this.env, rpc, input));
  }

  async searchUsers(rpc: AuthedContext, input: UserSearchInput): R<UserSearchResult> {
    return toResult(() => profiles.searchUsers(this.env, rpc, input));
  }

  async registerDevice(rpc: AuthedContext, input: RegisterDeviceInput): R<DeviceCreated> {
    return toResult(() => profiles.registerDevice(this.env, rpc, input));
  }

  /** Push stops reaching the device; the device and its sessions stay. */
  async removePushToken(rpc: AuthedContext, deviceId: DeviceId): R<null> {
    return toResult(() => profiles.removePushToken(this.env, rpc, deviceId));
  }

  async listDevices(rpc: AuthedContext): R<DeviceList> {
    return toResult(() => profiles.listDevices(this.env, rpc));
  }

  /** The device's sessions end with it: their ids come back for the gateway's cache. */
  async deleteDevice(rpc: AuthedContext, deviceId: DeviceId): R<DeviceDeleted> {
    return toResult(() => profiles.deleteDevice(this.env, rpc, deviceId));
  }

  /** Development only (NOT_FOUND in production): the dev mailbox the EMAIL consumer fills. */
  async devMailbox(_rpc: RpcContext, input: MailboxQuery): R<MailboxList> {
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
