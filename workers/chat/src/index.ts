import { WorkerEntrypoint } from "cloudflare:workers";
import type { OutboxList } from "../../../lib/contracts/dev";
import type { ServiceHealth } from "../../../lib/contracts/health";
import { ok, toResult, type Result } from "../../../lib/result";
import type { AuthedContext, RpcContext } from "../../../lib/rpc";
import type { KeyBundle, KeyBundleRequest, KeyUpload, PrekeyCount } from "../../../lib/contracts/keys";
import { countPrekeysRpc, fetchKeyBundleRpc, uploadKeysRpc } from "./keys/key-rpc";
import type * as Chat from "./chat-rpc-types";
import * as calls from "./calls-bridge";
import * as conversations from "./conversations/conversation-rpc";
import * as messages from "./messages/message-rpc";
import { presenceRpc } from "./presence/presence-rpc";
import { handleChatFetch } from "./socket-upgrade";
import { consumePushBatch } from "./push/consumer";
import { devPushOutbox, pushStatus, withPushHealth } from "./push/push-rpc";

/** RPC surface of the chat worker; the gateway is its only caller. */
export class ChatService extends WorkerEntrypoint<ChatEnv> {
  async health(_ctx: RpcContext): Promise<Result<ServiceHealth>> {
    return ok(withPushHealth({ service: { status: "ok" } }, this.env));
  }

  // Push notifications (./push): dev outbox (NOT_FOUND in production), configured-or-not for producers.
  async devPushOutbox(_ctx: RpcContext, input: unknown): Promise<Result<OutboxList>> {
    return toResult(() => devPushOutbox(this.env, input));
  }
  async pushStatus(_ctx: RpcContext): Promise<Result<{ configured: boolean }>> {
    return ok(pushStatus(this.env));
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

  /** Forwarded `/v1/ws/chat` upgrades (the gateway's CHAT binding targets this entrypoint). */
  override fetch(request: Request): Promise<Response> {
    return handleChatFetch(request, this.env, this.ctx);
  }

  // Conversations and members (./conversations): DB-backed, every change synced to the room.
  createConversation(ctx: AuthedContext, input: Chat.CreateConversation): Chat.R<Chat.CreatedConversation> {
    return conversations.createConversationRpc(this.env, this.ctx, ctx, input);
  }
  getConversation(ctx: AuthedContext, conversationId: string): Chat.R<Chat.ConversationView> {
    return conversations.getConversationRpc(this.env, this.ctx, ctx, conversationId);
  }
  listConversations(ctx: AuthedContext, query: Chat.ListConversations): Chat.R<Chat.ConversationPage> {
    return conversations.listConversationsRpc(this.env, this.ctx, ctx, query);
  }
  addMembers(ctx: AuthedContext, input: Chat.AddMembers): Chat.R<Chat.ConversationView> {
    return conversations.addMembersRpc(this.env, this.ctx, ctx, input);
  }
  removeMember(ctx: AuthedContext, input: Chat.MemberTarget): Chat.R<null> {
    return conversations.removeMemberRpc(this.env, this.ctx, ctx, input);
  }
  setMemberRole(ctx: AuthedContext, input: Chat.SetRole): Chat.R<Chat.ConversationView> {
    return conversations.setMemberRoleRpc(this.env, this.ctx, ctx, input);
  }

  // Messages (./messages → the ConversationRoom, same code path as socket frames).
  sendMessage(ctx: AuthedContext, input: Chat.SendMessage): Chat.R<Chat.SentMessage> {
    return messages.sendMessageRpc(ctx, this.env, input);
  }
  listMessages(ctx: AuthedContext, input: Chat.ListMessages): Chat.R<Chat.MessagePage> {
    return messages.listMessagesRpc(ctx, this.env, input);
  }
  editMessage(ctx: AuthedContext, input: Chat.EditMessage): Chat.R<Chat.MessageView> {
    return messages.editMessageRpc(ctx, this.env, input);
  }
  deleteMessage(ctx: AuthedContext, input: Chat.MessageTarget): Chat.R<Chat.MessageView> {
    return messages.deleteMessageRpc(ctx, this.env, input);
  }
  react(ctx: AuthedContext, input: Chat.React): Chat.R<Chat.MessageView> {
    return messages.reactRpc(ctx, this.env, input);
  }
  markRead(ctx: AuthedContext, input: Chat.MarkRead): Chat.R<{ last_read_seq: number }> {
    return messages.markReadRpc(ctx, this.env, input);
  }

  // Presence (./presence): sharded PresenceRoom objects.
  presence(ctx: AuthedContext, userIds: string[]): Chat.R<{ presence: Chat.PresenceView[] }> {
    return presenceRpc(ctx, this.env, userIds);
  }

  // For the calls and storage workers (./calls-bridge).
  isMember(ctx: RpcContext, input: { conversationId: string; userId: string }): Chat.R<{ member: boolean; role?: Chat.MemberRole }> {
    return calls.isMemberRpc(this.env, this.ctx, ctx, input);
  }
  members(ctx: RpcContext, conversationId: string): Chat.R<{ userIds: string[] }> {
    return calls.membersRpc(this.env, this.ctx, ctx, conversationId);
  }
  connectedUsers(ctx: RpcContext, conversationId: string): Chat.R<{ userIds: string[] }> {
    return calls.connectedUsersRpc(this.env, ctx, conversationId);
  }
  deliverCallEvent(ctx: RpcContext, input: { conversationId: string; userIds?: string[]; frame: Chat.CallEventFrame }): Chat.R<{ delivered: number }> {
    return calls.deliverCallEventRpc(this.env, ctx, input);
  }
}

export default {
  fetch: (request, env, ctx) => handleChatFetch(request, env, ctx),
  queue: (batch, env, _ctx) => consumePushBatch(batch, env),
} satisfies ExportedHandler<ChatEnv>;

export { ConversationRoom } from "./rooms/conversation-room";
export { PresenceRoom } from "./rooms/presence-room";
