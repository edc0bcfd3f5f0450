import { WorkerEntrypoint } from "cloudflare:workers";
import type { ServiceHealth } from "../../../lib/contracts/health";
import { ok, type Result } from "../../../lib/result";
import type { AuthedContext, RpcContext } from "../../../lib/rpc";
import type { KeyBundle, KeyBundleRequest, KeyUpload, PrekeyCount } from "../../../lib/contracts/keys";
import { countPrekeysRpc, fetchKeyBundleRpc, uploadKeysRpc } from "./keys/key-rpc";

/** RPC surface of the chat worker; the gateway is its only caller. */
export class ChatService extends WorkerEntrypoint<ChatEnv> {
  async health(_ctx: RpcContext): Promise<Result<ServiceHealth>> {
    return ok({ service: { status: "ok" } });
  }

  // E2EE key directory (./keys): upload, own prekey count, bundle fetch with an atomic claim.
  uploadKeys(ctx: AuthedContext, input: KeyUpload): Promise<Result<null>> {
    return uploadKeysRpc(this.env, this.ctx, ctx, input);
  }
  countPrekeys(ctx: AuthedContext, deviceId: string): Promise<Result<PrekeyCount>> {
    return countPrekeysRpc(this.env, this.ctx, ctx, deviceId);
  }
  fetchKeyBundle(ctx: AuthedContext, input: KeyBundleRequest): Promise<Result<KeyBundle>> {
    return fetchKeyBundleRpc(this.env, this.ctx, ctx, input);
  }
}

export default {
  async fetch(): Promise<Response> {
    return new Response(null, { status: 404 });
  },
} satisfies ExportedHandler<ChatEnv>;

export { ConversationRoom } from "./rooms/conversation-room";
export { PresenceRoom } from "./rooms/presence-room";
