import { WorkerEntrypoint } from "cloudflare:workers";
import type { ServiceHealth } from "../../../lib/contracts/health";
import { ok, type Result } from "../../../lib/result";
import type { RpcContext } from "../../../lib/rpc";

/** RPC surface of the chat worker; the gateway is its only caller. */
export class ChatService extends WorkerEntrypoint<ChatEnv> {
  async health(_ctx: RpcContext): Promise<Result<ServiceHealth>> {
    return ok({ service: { status: "ok" } });
  }
}

export default {
  async fetch(): Promise<Response> {
    return new Response(null, { status: 404 });
  },
} satisfies ExportedHandler<ChatEnv>;

export { ConversationRoom } from "./rooms/conversation-room";
export { PresenceRoom } from "./rooms/presence-room";
