import type { CallDelivery } from "../../../../lib/contracts/chat-rpc";
import { pushJobSchema, type PushJob } from "../../../../lib/contracts/queues";
import { describeError, log } from "../../../../lib/log";
import type { RpcContext } from "../../../../lib/rpc";
import type { CallState } from "./call-state";

type CallEvent = CallDelivery["event"];
const PUSH_BATCH_MAX = 100;

/**
 * Tells members about a call outside the signaling room: over their open chat sockets and device
 * streams (the chat worker delivers; never to the stream of `exceptDeviceId`, the device that acted)
 * and, for an incoming call, by a high-priority push to members without an open chat socket. A failed
 * notification never fails the transition that caused it: the call log is already written, and
 * ringing still ends by the room's own timer.
 */
export async function notifyMembers(
  env: CallsEnv,
  rpc: RpcContext,
  state: CallState,
  event: CallEvent,
  userIds: readonly string[],
  exceptDeviceId?: string,
): Promise<void> {
  if (userIds.length === 0) return;
  const frame: CallDelivery = {
    type: "call",
    event,
    call: { id: state.id, conversation_id: state.conversationId, type: state.type, status: state.status, initiator_id: state.initiatorId },
  };
  try {
    const delivered = await env.CHAT.deliverCallEvent(rpc, { conversationId: state.conversationId, userIds: [...userIds], frame, exceptDeviceId });
    if (!delivered.ok) log({ event: "call_notify_failed", call_id: state.id, channel: "chat", error: delivered.error.code, request_id: rpc.requestId }, "warn");
  } catch (err) {
    log({ event: "call_notify_failed", call_id: state.id, channel: "chat", error: describeError(err), request_id: rpc.requestId }, "warn");
  }
  if (event === "incoming") await pushIncoming(env, rpc, state, userIds);
}

async function pushIncoming(env: CallsEnv, rpc: RpcContext, state: CallState, userIds: readonly string[]): Promise<void> {
  try {
    const connected = await env.CHAT.connectedUsers(rpc, state.conversationId);
    const online = new Set(connected.ok ? connected.value.userIds : []);
    const jobs = userIds
      .filter((userId) => !online.has(userId))
      .map((userId): { body: PushJob } => ({
        body: pushJobSchema.parse({
          kind: "incoming_call",
          idempotency_key: `call:${state.id}:${userId}`,
          request_id: rpc.requestId,
          user_id: userId,
          call_id: state.id,
          conversation_id: state.conversationId,
          caller_id: state.initiatorId,
          call_type: state.type,
        }),
      }));
    // Queues take at most 100 messages per batch; a large group is sent in several.
    for (let i = 0; i < jobs.length; i += PUSH_BATCH_MAX) await env.PUSH_QUEUE.sendBatch(jobs.slice(i, i + PUSH_BATCH_MAX));
  } catch (err) {
    log({ event: "call_notify_failed", call_id: state.id, channel: "push", error: describeError(err), request_id: rpc.requestId }, "error");
  }
}
