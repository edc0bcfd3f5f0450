import { WorkerEntrypoint } from "cloudflare:workers";
import type { ServiceHealth } from "../../../lib/contracts/health";
import { ok, type Result } from "../../../lib/result";
import type { RpcContext } from "../../../lib/rpc";

/** RPC surface of the calls worker; the gateway is its only caller. */
export class CallsService extends WorkerEntrypoint<CallsEnv> {
  async health(_ctx: RpcContext): Promise<Result<ServiceHealth>> {
    return ok({ service: { status: "ok" } });
  }
}

export default {
  async fetch(): Promise<Response> {
    return new Response(null, { status: 404 });
  },
} satisfies ExportedHandler<CallsEnv>;

export { CallRoom } from "./rooms/call-room";
