import { WorkerEntrypoint } from "cloudflare:workers";
import type { CallHistoryItemView, CallJoinResponse, CallView, IceServersResponse, SfuAnswer } from "../../../lib/contracts/calls";
import type { ServiceHealth } from "../../../lib/contracts/health";
import { withDb } from "../../../lib/db";
import { describeError } from "../../../lib/log";
import { toResult, type Result } from "../../../lib/result";
import type { AuthedContext, RpcContext } from "../../../lib/rpc";
import { iceMode, missingForHealth } from "./config";
import { iceServersFor } from "./ice/ice-servers";
import { handleSignalingFetch } from "./signaling-fetch";
import { getCall, history } from "./service/history";
import { initiate, join, transition } from "./service/lifecycle";
import { proxySfu } from "./service/sfu-proxy";

type CallId = { callId: string };

/** RPC surface of the calls worker; the gateway is its only caller. Inputs are validated inside. */
export class CallsService extends WorkerEntrypoint<CallsEnv> {
  /** Forwarded `/v1/ws/signaling` upgrades (the gateway's CALLS binding targets this entrypoint). */
  override fetch(request: Request): Promise<Response> {
    return handleSignalingFetch(request, this.env);
  }

  async health(_ctx: RpcContext): Promise<Result<ServiceHealth>> {
    const missing = missingForHealth(this.env);
    let database: ServiceHealth["database"];
    try {
      await withDb(this.env, (db) => db.calls.get("health-probe"));
      database = { status: "ok" };
    } catch (err) {
      database = { status: "error", reason: describeError(err) };
    }
    const service = missing.length > 0 ? { status: "error" as const, reason: "missing configuration", missing } : { status: "ok" as const };
    return { ok: true, value: { service, database } };
  }

  initiate(ctx: AuthedContext, input: unknown): Promise<Result<CallJoinResponse>> {
    return toResult(() => initiate(this.env, ctx, input));
  }
  join(ctx: AuthedContext, input: CallId): Promise<Result<CallJoinResponse>> {
    return toResult(() => join(this.env, ctx, input));
  }
  decline(ctx: AuthedContext, input: CallId): Promise<Result<{ call: CallView }>> {
    return toResult(() => transition(this.env, ctx, "decline", input));
  }
  leave(ctx: AuthedContext, input: CallId): Promise<Result<{ call: CallView }>> {
    return toResult(() => transition(this.env, ctx, "leave", input));
  }
  end(ctx: AuthedContext, input: CallId): Promise<Result<{ call: CallView }>> {
    return toResult(() => transition(this.env, ctx, "end", input));
  }
  get(ctx: AuthedContext, input: CallId): Promise<Result<{ call: CallView }>> {
    return toResult(() => getCall(this.env, ctx, input));
  }
  history(ctx: AuthedContext, input: unknown): Promise<Result<{ calls: CallHistoryItemView[]; has_more: boolean }>> {
    return toResult(() => history(this.env, ctx, input));
  }
  iceServers(ctx: AuthedContext): Promise<Result<IceServersResponse>> {
    return toResult(() => iceServersFor(iceMode(this.env), ctx.userId, ctx.requestId));
  }
  /** The four SFU proxy routes, as one discriminated input (see `sfuRequestSchema`). */
  sfu(ctx: AuthedContext, input: unknown): Promise<Result<SfuAnswer>> {
    return toResult(() => proxySfu(this.env, ctx, input));
  }
}

export default {
  fetch: (request, env) => handleSignalingFetch(request, env),
} satisfies ExportedHandler<CallsEnv>;

export { CallRoom } from "./rooms/call-room";
