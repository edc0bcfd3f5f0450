import { WorkerEntrypoint } from "cloudflare:workers";
import type { CallHistoryQuery, CallJoinResponse, IceServersResponse, InitiateCallBody, SfuAnswer, SfuRequest } from "../../../lib/contracts/calls";
import type { CallList, CallResponse, CallTarget } from "../../../lib/contracts/calls-rpc";
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

type R<T> = Promise<Result<T>>;

/**
 * RPC surface of the calls worker; the gateway is its only caller. Inputs and outputs are types from
 * lib/contracts (calls, calls-rpc), re-validated inside.
 */
export class CallsService extends WorkerEntrypoint<CallsEnv> {
  /** Forwarded `/v1/ws/signaling` upgrades (the gateway's CALLS binding targets this entrypoint). */
  override fetch(request: Request): Promise<Response> {
    return handleSignalingFetch(request, this.env);
  }

  async health(_rpc: RpcContext): R<ServiceHealth> {
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

  initiate(rpc: AuthedContext, input: InitiateCallBody): R<CallJoinResponse> {
    return initiate(this.env, rpc, input);
  }
  join(rpc: AuthedContext, input: CallTarget): R<CallJoinResponse> {
    return join(this.env, rpc, input);
  }
  decline(rpc: AuthedContext, input: CallTarget): R<CallResponse> {
    return transition(this.env, rpc, input, "decline");
  }
  leave(rpc: AuthedContext, input: CallTarget): R<CallResponse> {
    return transition(this.env, rpc, input, "leave");
  }
  end(rpc: AuthedContext, input: CallTarget): R<CallResponse> {
    return transition(this.env, rpc, input, "end");
  }
  get(rpc: AuthedContext, input: CallTarget): R<CallResponse> {
    return toResult(() => getCall(this.env, rpc, input));
  }
  history(rpc: AuthedContext, input: CallHistoryQuery): R<CallList> {
    return toResult(() => history(this.env, rpc, input));
  }
  iceServers(rpc: AuthedContext): R<IceServersResponse> {
    return toResult(() => iceServersFor(iceMode(this.env), rpc.userId, rpc.requestId));
  }
  /** The four SFU proxy routes, as one discriminated input (see `sfuRequestSchema`). */
  sfu(rpc: AuthedContext, input: SfuRequest): R<SfuAnswer> {
    return proxySfu(this.env, rpc, input);
  }
}

export default {
  fetch: (request, env) => handleSignalingFetch(request, env),
} satisfies ExportedHandler<CallsEnv>;

export { CallRoom } from "./rooms/call-room";
