import { WorkerEntrypoint } from "cloudflare:workers";
import type { ServiceHealth } from "../../../lib/contracts/health";
import { ok, type Result } from "../../../lib/result";
import type { JSONWebKeySet } from "jose";
import type { RpcContext } from "../../../lib/rpc";

/** RPC surface of the auth worker; the gateway is its only caller. */
export class AuthService extends WorkerEntrypoint<AuthEnv> {
  async health(_ctx: RpcContext): Promise<Result<ServiceHealth>> {
    return ok({ service: { status: "ok" } });
  }

  /** The public keys that verify access tokens. */
  async jwks(_ctx: RpcContext): Promise<Result<JSONWebKeySet>> {
    return ok({ keys: [] });
  }

  /** Whether a session may still be used (not revoked, not expired). */
  async sessionStatus(_ctx: RpcContext, _sessionId: string): Promise<Result<{ active: boolean }>> {
    return ok({ active: false });
  }

  /** Consumes a single-use WebSocket ticket, answering the user it was issued to. */
  async consumeTicket(_ctx: RpcContext, _ticket: string): Promise<Result<{ userId: string }>> {
    return { ok: false, error: { code: "UNAUTHORIZED", message: "Invalid or expired ticket." } };
  }
}

export default {
  async fetch(): Promise<Response> {
    return new Response(null, { status: 404 });
  },
} satisfies ExportedHandler<AuthEnv>;
