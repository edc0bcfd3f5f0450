import { disappearingInputSchema, type DisappearingEnvelope, type DisappearingInput } from "../../../../lib/contracts/account-controls";
import { forwardResult, type Result } from "../../../../lib/result";
import { durableObjectByName, parseInput, verifiedCaller, type RpcContext } from "../../../../lib/rpc";

/** `PUT /v1/conversations/{id}/disappearing`: the room checks membership and role (rooms/disappearing.ts). */
export function setDisappearingRpc(env: ChatEnv, rpc: RpcContext, input: DisappearingInput): Promise<Result<DisappearingEnvelope>> {
  return forwardResult(async () => {
    const { userId, requestId } = verifiedCaller(rpc);
    const { conversationId, seconds } = parseInput(disappearingInputSchema, input);
    return durableObjectByName(env.CONVERSATION_ROOM, conversationId).setDisappearing(conversationId, userId, seconds, requestId);
  });
}
