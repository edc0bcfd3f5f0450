import { describe, expectTypeOf, it } from "vitest";
import type { MemberQuery, SendMessageRpcInput } from "../../lib/contracts/chat-rpc";
import type { CallTarget } from "../../lib/contracts/calls-rpc";
import type { RegisterInput } from "../../lib/contracts/auth";
import type { UploadUrlRequest } from "../../lib/contracts/storage";
import type { AuthedContext, RpcContext } from "../../lib/rpc";

/**
 * The RPC seam is checked by `tsc` (npm run typecheck), not at run time: each service binding's
 * methods take the z.infer types of lib/contracts, so a caller passing another shape does not
 * compile. The `@ts-expect-error` lines fail the typecheck if a wrong call ever compiles again.
 */
function wrongCallsDoNotCompile(env: GatewayEnv, rpc: RpcContext, caller: AuthedContext): void {
  // @ts-expect-error a conversation id is a string
  void env.CHAT.getConversation(caller, 42);
  // @ts-expect-error sendMessage takes { conversationId, message }, not the HTTP body alone
  void env.CHAT.sendMessage(caller, { client_id: "c", body: "hi" });
  // @ts-expect-error authenticated methods need the verified caller, not any RPC context
  void env.AUTH.getMe(rpc);
  // @ts-expect-error register's body needs a password
  void env.AUTH.register(rpc, { email: "a@example.com", username: "alice" });
  // @ts-expect-error a call is named by callId
  void env.CALLS.join(caller, { id: "call" });
  // @ts-expect-error size_bytes is a number
  void env.STORAGE.createUploadUrl(caller, { file_name: "a.png", content_type: "image/png", size_bytes: "10" });
}

describe("the RPC seam", () => {
  it("types every service method's input with its contract schema", () => {
    expectTypeOf<Parameters<GatewayEnv["CHAT"]["sendMessage"]>[1]>().toEqualTypeOf<SendMessageRpcInput>();
    expectTypeOf<Parameters<GatewayEnv["CHAT"]["isMember"]>[1]>().toEqualTypeOf<MemberQuery>();
    expectTypeOf<Parameters<GatewayEnv["AUTH"]["register"]>[1]>().toEqualTypeOf<RegisterInput>();
    expectTypeOf<Parameters<GatewayEnv["CALLS"]["decline"]>[1]>().toEqualTypeOf<CallTarget>();
    expectTypeOf<Parameters<GatewayEnv["STORAGE"]["createUploadUrl"]>[1]>().toEqualTypeOf<UploadUrlRequest>();
    expectTypeOf(wrongCallsDoNotCompile).toBeFunction();
  });
});
