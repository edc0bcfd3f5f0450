import { WorkerEntrypoint } from "cloudflare:workers";
import type { ConversationView, MessageView } from "../../../lib/contracts/chat";
import type {
  AddMembersInput,
  ConversationId,
  ConversationPage,
  CreateConversationInput,
  CreatedConversation,
  DeliverCallEventInput,
  Delivered,
  EditMessageInput,
  ListConversationsInput,
  ListMessagesInput,
  MarkReadInput,
  MemberAnswer,
  MemberQuery,
  MemberTarget,
  MessagePage,
  MessageTarget,
  MlsGroupInput,
  PresenceList,
  PresenceUserIds,
  PushStatus,
  ReactInput,
  ReadWatermark,
  RenameInput,
  SendMessageRpcInput,
  SentMessage,
  SetRoleInput,
  UserIdList,
} from "../../../lib/contracts/chat-rpc";
import type {
  BlockEnvelope,
  BlockList,
  BlockTarget,
  DisappearingEnvelope,
  DisappearingInput,
  MuteEnvelope,
  MuteInput,
} from "../../../lib/contracts/account-controls";
import type { OutboxList, PushOutboxQuery } from "../../../lib/contracts/dev";
import type { AckDeviceMailInput, DevicesSignedOutInput, MailboxPage, MailboxPosted, PostDeviceMailInput } from "../../../lib/contracts/device-rpc";
import type { DataExportEnvelope } from "../../../lib/contracts/account";
import type { ServiceHealth } from "../../../lib/contracts/health";
import type { KeyBundle, KeyBundleRequest, KeyDeviceId, KeyUpload, PrekeyCount } from "../../../lib/contracts/keys";
import type { KeyPackageClaim, KeyPackageClaimResult, KeyPackageCount, KeyPackageUpload, MlsDeviceList, MlsGroupView } from "../../../lib/contracts/mls";
import { ok, toResult, type Result } from "../../../lib/result";
import type { AuthedContext, RpcContext } from "../../../lib/rpc";
import * as calls from "./calls-bridge";
import * as conversations from "./conversations/conversation-rpc";
import { blockUserRpc, listBlocksRpc, unblockUserRpc } from "./controls/blocks";
import { setDisappearingRpc } from "./controls/disappearing-rpc";
import { muteConversationRpc, unmuteConversationRpc } from "./controls/mutes";
import { devicesSignedOutRpc } from "./devices/device-announce";
import { ackDeviceMailRpc, listDeviceMailRpc, postDeviceMailRpc } from "./devices/device-mail-rpc";
import { claimKeyPackagesRpc, countKeyPackagesRpc, uploadKeyPackagesRpc } from "./devices/key-package-rpc";
import { mlsDevicesRpc } from "./devices/mls-devices-rpc";
import { countPrekeysRpc, fetchKeyBundleRpc, uploadKeysRpc } from "./keys/key-rpc";
import * as messages from "./messages/message-rpc";
import { presenceRpc } from "./presence/presence-rpc";
import { ACCOUNT_QUEUE_NAME, consumeAccountBatch } from "./accounts/consumer";
import { exportStatus, requestExport } from "./accounts/export-rpc";
import { consumePushBatch } from "./push/consumer";
import { devPushOutbox, pushStatus, vapidPublicKey, withPushHealth } from "./push/push-rpc";
import { handleChatFetch } from "./socket-upgrade";
import type { VapidPublicKey } from "../../../lib/contracts/web-push";

type R<T> = Promise<Result<T>>;

/**
 * RPC surface of the chat worker; the gateway is its main caller (calls and storage use the last
 * four). Every input and output is a type from lib/contracts/chat-rpc.ts, re-validated inside.
 */
export class ChatService extends WorkerEntrypoint<ChatEnv> {
  async health(_rpc: RpcContext): R<ServiceHealth> {
    return ok(withPushHealth({ service: { status: "ok" } }, this.env));
  }

  // Push notifications (./push): dev outbox (NOT_FOUND in production), configured-or-not for producers.
  async devPushOutbox(_rpc: RpcContext, input: PushOutboxQuery): R<OutboxList> {
    return toResult(() => devPushOutbox(this.env, input));
  }
  async pushStatus(_rpc: RpcContext): R<PushStatus> {
    return ok(pushStatus(this.env));
  }
  async vapidPublicKey(_rpc: RpcContext): R<VapidPublicKey> {
    return toResult(() => vapidPublicKey(this.env));
  }

  // E2EE key directory (./keys): upload, own prekey count, bundle fetch with an atomic claim.
  uploadKeys(rpc: AuthedContext, input: KeyUpload): R<null> {
    return uploadKeysRpc(this.env, rpc, input, this.ctx);
  }
  countPrekeys(rpc: AuthedContext, deviceId: KeyDeviceId): R<PrekeyCount> {
    return countPrekeysRpc(this.env, rpc, deviceId, this.ctx);
  }
  fetchKeyBundle(rpc: AuthedContext, input: KeyBundleRequest): R<KeyBundle> {
    return fetchKeyBundleRpc(this.env, rpc, input, this.ctx);
  }

  // MLS KeyPackage directory (./devices, one DeviceRoom per device): own upload and count, claim for others.
  uploadKeyPackages(rpc: AuthedContext, input: KeyPackageUpload): R<KeyPackageCount> {
    return uploadKeyPackagesRpc(this.env, rpc, input);
  }
  countKeyPackages(rpc: AuthedContext): R<KeyPackageCount> {
    return countKeyPackagesRpc(this.env, rpc);
  }
  claimKeyPackages(rpc: AuthedContext, input: KeyPackageClaim): R<KeyPackageClaimResult> {
    return claimKeyPackagesRpc(this.env, rpc, input, this.ctx);
  }
  /** After a sign-out, revocation or deletion: the user's other devices hear these devices are gone (their MLS leaves go). */
  devicesSignedOut(rpc: AuthedContext, input: DevicesSignedOutInput): R<null> {
    return devicesSignedOutRpc(this.env, rpc, input, this.ctx);
  }

  /** Forwarded `/v1/ws/events` upgrades (the gateway's CHAT binding targets this entrypoint); `/v1/ws/chat` goes straight to the room. */
  override fetch(request: Request): Promise<Response> {
    return handleChatFetch(request, this.env);
  }

  // Conversations and members (./conversations): DB-backed, every change synced to the room.
  createConversation(rpc: AuthedContext, input: CreateConversationInput): R<CreatedConversation> {
    return conversations.createConversationRpc(this.env, rpc, input, this.ctx);
  }
  getConversation(rpc: AuthedContext, conversationId: ConversationId): R<ConversationView> {
    return conversations.getConversationRpc(this.env, rpc, conversationId, this.ctx);
  }
  listConversations(rpc: AuthedContext, query: ListConversationsInput): R<ConversationPage> {
    return conversations.listConversationsRpc(this.env, rpc, query, this.ctx);
  }
  addMembers(rpc: AuthedContext, input: AddMembersInput): R<ConversationView> {
    return conversations.addMembersRpc(this.env, rpc, input, this.ctx);
  }
  removeMember(rpc: AuthedContext, input: MemberTarget): R<null> {
    return conversations.removeMemberRpc(this.env, rpc, input, this.ctx);
  }
  renameConversation(rpc: AuthedContext, input: RenameInput): R<ConversationView> {
    return conversations.renameConversationRpc(this.env, rpc, input, this.ctx);
  }
  setMemberRole(rpc: AuthedContext, input: SetRoleInput): R<ConversationView> {
    return conversations.setMemberRoleRpc(this.env, rpc, input, this.ctx);
  }

  // Blocks and mutes (./controls): stored in the database, enforced by rooms, presence and the push consumer.
  blockUser(rpc: AuthedContext, input: BlockTarget): R<BlockEnvelope> {
    return blockUserRpc(this.env, rpc, input, this.ctx);
  }
  unblockUser(rpc: AuthedContext, input: BlockTarget): R<null> {
    return unblockUserRpc(this.env, rpc, input, this.ctx);
  }
  listBlocks(rpc: AuthedContext): R<BlockList> {
    return listBlocksRpc(this.env, rpc, this.ctx);
  }
  muteConversation(rpc: AuthedContext, input: MuteInput): R<MuteEnvelope> {
    return muteConversationRpc(this.env, rpc, input, this.ctx);
  }
  unmuteConversation(rpc: AuthedContext, conversationId: ConversationId): R<null> {
    return unmuteConversationRpc(this.env, rpc, conversationId, this.ctx);
  }
  setDisappearing(rpc: AuthedContext, input: DisappearingInput): R<DisappearingEnvelope> {
    return setDisappearingRpc(this.env, rpc, input);
  }

  // Messages (./messages → the ConversationRoom, same code path as socket frames).
  sendMessage(rpc: AuthedContext, input: SendMessageRpcInput): R<SentMessage> {
    return messages.sendMessageRpc(this.env, rpc, input);
  }
  listMessages(rpc: AuthedContext, input: ListMessagesInput): R<MessagePage> {
    return messages.listMessagesRpc(this.env, rpc, input);
  }
  editMessage(rpc: AuthedContext, input: EditMessageInput): R<MessageView> {
    return messages.editMessageRpc(this.env, rpc, input);
  }
  deleteMessage(rpc: AuthedContext, input: MessageTarget): R<MessageView> {
    return messages.deleteMessageRpc(this.env, rpc, input);
  }
  react(rpc: AuthedContext, input: ReactInput): R<MessageView> {
    return messages.reactRpc(this.env, rpc, input);
  }
  markRead(rpc: AuthedContext, input: MarkReadInput): R<ReadWatermark> {
    return messages.markReadRpc(this.env, rpc, input);
  }
  mlsGroup(rpc: AuthedContext, input: MlsGroupInput): R<MlsGroupView> {
    return messages.mlsGroupRpc(this.env, rpc, input);
  }
  mlsDevices(rpc: AuthedContext, input: MlsGroupInput): R<MlsDeviceList> {
    return mlsDevicesRpc(this.env, rpc, input, this.ctx);
  }

  // Device mailboxes (./devices): post to a device; the HTTP fallback of the device stream.
  postDeviceMail(rpc: AuthedContext, input: PostDeviceMailInput): R<MailboxPosted> {
    return postDeviceMailRpc(this.env, rpc, input, this.ctx);
  }
  listDeviceMail(rpc: AuthedContext): R<MailboxPage> {
    return listDeviceMailRpc(this.env, rpc);
  }
  ackDeviceMail(rpc: AuthedContext, input: AckDeviceMailInput): R<null> {
    return ackDeviceMailRpc(this.env, rpc, input);
  }

  // Presence (./presence): sharded PresenceRoom objects.
  presence(rpc: AuthedContext, userIds: PresenceUserIds): R<PresenceList> {
    return presenceRpc(this.env, rpc, userIds);
  }

  // Data export (./accounts): requested at most once a day, built by the ACCOUNT queue consumer.
  requestExport(rpc: AuthedContext): R<DataExportEnvelope> {
    return toResult(() => requestExport(this.env, rpc, this.ctx));
  }
  exportStatus(rpc: AuthedContext): R<DataExportEnvelope> {
    return toResult(() => exportStatus(this.env, rpc, this.ctx));
  }

  // For the calls and storage workers (./calls-bridge).
  isMember(rpc: RpcContext, input: MemberQuery): R<MemberAnswer> {
    return calls.isMemberRpc(this.env, rpc, input, this.ctx);
  }
  members(rpc: RpcContext, conversationId: ConversationId): R<UserIdList> {
    return calls.membersRpc(this.env, rpc, conversationId, this.ctx);
  }
  connectedUsers(rpc: RpcContext, conversationId: ConversationId): R<UserIdList> {
    return calls.connectedUsersRpc(this.env, rpc, conversationId);
  }
  deliverCallEvent(rpc: RpcContext, input: DeliverCallEventInput): R<Delivered> {
    return calls.deliverCallEventRpc(this.env, rpc, input);
  }
}

export default {
  fetch: (request, env) => handleChatFetch(request, env),
  // Two queues: PUSH (./push) and ACCOUNT (./accounts: erasure of deleted accounts, data exports).
  queue: (batch, env, _ctx) => (batch.queue === ACCOUNT_QUEUE_NAME ? consumeAccountBatch(batch, env) : consumePushBatch(batch, env)),
} satisfies ExportedHandler<ChatEnv>;

export { ConversationRoom } from "./rooms/conversation-room";
export { DeviceRoom } from "./devices/device-room";
export { PresenceRoom } from "./rooms/presence-room";
