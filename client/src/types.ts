/**
 * Every shape the client sends or receives, derived from the server's own zod contracts
 * (`lib/contracts/*`). Imports are type-only: the client ships no zod and no schema code.
 * `z.input` for what we send (before server-side defaults/transforms), `z.infer` for what we get.
 */
import type { z } from "zod";
import type {
  acceptedSchema,
  cookieSessionSchema,
  forgotPasswordSchema,
  loginSchema,
  registerSchema,
  resetPasswordResultSchema,
  resetPasswordSchema,
  sessionListSchema,
  tokenPairSchema,
  verifyEmailResultSchema,
  wsTicketSchema,
} from "../../lib/contracts/auth";
import type {
  blockEnvelopeSchema,
  blockListSchema,
  disappearingBodySchema,
  disappearingEnvelopeSchema,
  muteBodySchema,
  muteEnvelopeSchema,
} from "../../lib/contracts/account-controls";
import type { changeEmailSchema, changePasswordResultSchema, changePasswordSchema } from "../../lib/contracts/credentials";
import type { signalingClientFrameSchema, signalingServerFrameSchema } from "../../lib/contracts/call-frames";
import type {
  callHistoryQuerySchema,
  callJoinResponseSchema,
  callListResponseSchema,
  callResponseSchema,
  iceServerSchema,
  iceServersResponseSchema,
  initiateCallBodySchema,
  sfuAnswerSchema,
  sfuCloseTracksBodySchema,
  sfuNewSessionBodySchema,
  sfuNewTracksBodySchema,
  sfuRenegotiateBodySchema,
} from "../../lib/contracts/calls";
import type { callSummarySchema, clientFrameSchema, sendFrameSchema, serverFrameSchema } from "../../lib/contracts/chat-frames";
import type {
  addMembersSchema,
  conversationEnvelopeSchema,
  conversationListItemSchema,
  conversationListSchema,
  createConversationSchema,
  editMessageSchema,
  historyQuerySchema,
  listConversationsQuerySchema,
  messageEnvelopeSchema,
  messagePageSchema,
  messageViewSchema,
  presenceListSchema,
  presenceViewSchema,
  sendMessageSchema,
  renameConversationSchema,
  setRoleSchema,
} from "../../lib/contracts/chat";
import type { dataExportEnvelopeSchema, deleteAccountSchema } from "../../lib/contracts/account";
import type { mailboxListSchema, outboxListSchema } from "../../lib/contracts/dev";
import type { vapidPublicKeySchema } from "../../lib/contracts/web-push";
import type {
  deviceClientFrameSchema,
  deviceEventSchema,
  deviceServerFrameSchema,
  mailboxAckSchema,
  mailboxEntrySchema,
  mailboxListSchema as deviceMailboxListSchema,
  mailboxPostedSchema,
  messagePreviewSchema,
  postMailboxSchema,
  streamEntrySchema,
  streamPositionSchema,
} from "../../lib/contracts/device-stream";
import type { liveHealthSchema, readyHealthSchema } from "../../lib/contracts/health";
import type {
  keyPackageClaimResultSchema,
  keyPackageClaimSchema,
  keyPackageCountSchema,
  keyPackageUploadSchema,
  mlsDeviceListSchema,
  mlsGroupEnvelopeSchema,
} from "../../lib/contracts/mls";
import type { keyBundleSchema, keyUploadSchema, prekeyCountSchema } from "../../lib/contracts/keys";
import type {
  downloadUrlResponseSchema,
  fileResponseSchema,
  fileSchema,
  listFilesRequestSchema,
  listFilesResponseSchema,
  quotaResponseSchema,
  uploadUrlRequestSchema,
  uploadUrlResponseSchema,
} from "../../lib/contracts/storage";
import type {
  deviceCreatedSchema,
  deviceListSchema,
  publicUserEnvelopeSchema,
  registerDeviceSchema,
  updateMeSchema,
  userEnvelopeSchema,
  userSchema,
  userSearchResultSchema,
  userSearchSchema,
} from "../../lib/contracts/users";
import type { ErrorCode, errorEnvelopeSchema } from "../../lib/errors";

export type { ErrorCode };
export type ErrorEnvelope = z.infer<typeof errorEnvelopeSchema>;

/** Query strings: the contract's keys, each given as text or a number. */
export type QueryOf<S extends z.ZodType> = { [K in keyof z.input<S>]?: string | number | boolean };

/* auth and users */
export type RegisterInput = z.input<typeof registerSchema>;
export type LoginInput = z.input<typeof loginSchema>;
export type ForgotPasswordInput = z.input<typeof forgotPasswordSchema>;
export type ResetPasswordInput = z.input<typeof resetPasswordSchema>;
export type TokenPair = z.infer<typeof tokenPairSchema>;
/** Cookie mode's answer (browsers): the pair without its refresh token, which is in an HttpOnly cookie. */
export type CookieSession = z.infer<typeof cookieSessionSchema>;
export type SignInAnswer = TokenPair | CookieSession;
export type SessionList = z.infer<typeof sessionListSchema>;
export type Accepted = z.infer<typeof acceptedSchema>;
export type VerifyEmailResult = z.infer<typeof verifyEmailResultSchema>;
export type ResetPasswordResult = z.infer<typeof resetPasswordResultSchema>;
export type WsTicket = z.infer<typeof wsTicketSchema>;
export type User = z.infer<typeof userSchema>;
export type UserEnvelope = z.infer<typeof userEnvelopeSchema>;
export type PublicUserEnvelope = z.infer<typeof publicUserEnvelopeSchema>;
export type UpdateMeInput = z.input<typeof updateMeSchema>;
export type UserSearchQuery = QueryOf<typeof userSearchSchema>;
export type UserSearchResult = z.infer<typeof userSearchResultSchema>;
export type RegisterDeviceInput = z.input<typeof registerDeviceSchema>;
export type DeviceCreated = z.infer<typeof deviceCreatedSchema>;
export type VapidPublicKey = z.infer<typeof vapidPublicKeySchema>;
export type DeviceList = z.infer<typeof deviceListSchema>;

/* conversations, messages, presence */
export type CreateConversationInput = z.input<typeof createConversationSchema>;
export type ConversationEnvelope = z.infer<typeof conversationEnvelopeSchema>;
export type ConversationList = z.infer<typeof conversationListSchema>;
export type ConversationListItem = z.infer<typeof conversationListItemSchema>;
export type ListConversationsQuery = QueryOf<typeof listConversationsQuerySchema>;
export type AddMembersInput = z.input<typeof addMembersSchema>;
export type SetRoleInput = z.input<typeof setRoleSchema>;
export type RenameConversationInput = z.input<typeof renameConversationSchema>;
export type Message = z.infer<typeof messageViewSchema>;
export type MessageEnvelope = z.infer<typeof messageEnvelopeSchema>;
export type MessagePage = z.infer<typeof messagePageSchema>;
export type SendMessageInput = z.input<typeof sendMessageSchema>;
export type EditMessageInput = z.input<typeof editMessageSchema>;
export type HistoryQuery = QueryOf<typeof historyQuerySchema>;
export type Presence = z.infer<typeof presenceViewSchema>;
export type PresenceList = z.infer<typeof presenceListSchema>;

/* WebSocket frames */
export type ChatClientFrame = z.input<typeof clientFrameSchema>;
export type ChatSendFrame = z.input<typeof sendFrameSchema>;
export type ChatServerFrame = z.infer<typeof serverFrameSchema>;
export type SignalingClientFrame = z.input<typeof signalingClientFrameSchema>;
export type SignalingServerFrame = z.infer<typeof signalingServerFrameSchema>;

/* the device event stream (/v1/ws/events) and device mailboxes */
export type DeviceEvent = z.infer<typeof deviceEventSchema>;
export type StreamEntry = z.infer<typeof streamEntrySchema>;
export type StreamPosition = z.infer<typeof streamPositionSchema>;
export type MessagePreview = z.infer<typeof messagePreviewSchema>;
export type MailboxEntry = z.infer<typeof mailboxEntrySchema>;
export type DeviceClientFrame = z.input<typeof deviceClientFrameSchema>;
export type DeviceServerFrame = z.infer<typeof deviceServerFrameSchema>;
export type PostMailboxInput = z.input<typeof postMailboxSchema>;
export type MailboxPosted = z.infer<typeof mailboxPostedSchema>;
export type MailboxList = z.infer<typeof deviceMailboxListSchema>;
export type MailboxAckInput = z.input<typeof mailboxAckSchema>;
export type CallSummary = z.infer<typeof callSummarySchema>;

/* calls */
export type InitiateCallInput = z.input<typeof initiateCallBodySchema>;
export type CallJoinResponse = z.infer<typeof callJoinResponseSchema>;
export type CallResponse = z.infer<typeof callResponseSchema>;
export type CallList = z.infer<typeof callListResponseSchema>;
export type CallHistoryQuery = QueryOf<typeof callHistoryQuerySchema>;
export type IceServer = z.infer<typeof iceServerSchema>;
export type IceServersResponse = z.infer<typeof iceServersResponseSchema>;
export type SfuAnswer = z.infer<typeof sfuAnswerSchema>;
export type SfuNewSessionBody = z.input<typeof sfuNewSessionBodySchema>;
export type SfuNewTracksBody = z.input<typeof sfuNewTracksBodySchema>;
export type SfuRenegotiateBody = z.input<typeof sfuRenegotiateBodySchema>;
export type SfuCloseTracksBody = z.input<typeof sfuCloseTracksBodySchema>;

/* storage */
export type UploadUrlRequest = z.input<typeof uploadUrlRequestSchema>;
export type UploadUrlResponse = z.infer<typeof uploadUrlResponseSchema>;
export type FileView = z.infer<typeof fileSchema>;
export type FileResponse = z.infer<typeof fileResponseSchema>;
export type DownloadUrlResponse = z.infer<typeof downloadUrlResponseSchema>;
export type ListFilesQuery = QueryOf<typeof listFilesRequestSchema>;
export type FileList = z.infer<typeof listFilesResponseSchema>;
export type Quota = z.infer<typeof quotaResponseSchema>;

/* E2EE key directory */
export type KeyUpload = z.input<typeof keyUploadSchema>;
export type PrekeyCount = z.infer<typeof prekeyCountSchema>;
export type KeyBundle = z.infer<typeof keyBundleSchema>;

/* MLS: the KeyPackage directory and a conversation's group (lib/contracts/mls.ts) */
export type KeyPackageUploadInput = z.input<typeof keyPackageUploadSchema>;
export type KeyPackageCount = z.infer<typeof keyPackageCountSchema>;
export type KeyPackageClaimInput = z.input<typeof keyPackageClaimSchema>;
export type KeyPackageClaimResult = z.infer<typeof keyPackageClaimResultSchema>;
export type MlsGroupEnvelope = z.infer<typeof mlsGroupEnvelopeSchema>;
export type MlsDeviceList = z.infer<typeof mlsDeviceListSchema>;
export type MlsDevice = MlsDeviceList["devices"][number];

/* health and development sinks */
export type LiveHealth = z.infer<typeof liveHealthSchema>;
export type ReadyHealth = z.infer<typeof readyHealthSchema>;
export type DevMailbox = z.infer<typeof mailboxListSchema>;
export type DevPushOutbox = z.infer<typeof outboxListSchema>;

/* credentials, blocks and mutes (issue 21) */
export type ChangePasswordInput = z.input<typeof changePasswordSchema>;
export type ChangePasswordResult = z.infer<typeof changePasswordResultSchema>;
export type ChangeEmailInput = z.input<typeof changeEmailSchema>;
export type BlockList = z.infer<typeof blockListSchema>;
export type BlockEnvelope = z.infer<typeof blockEnvelopeSchema>;
export type MuteInput = z.input<typeof muteBodySchema>;
export type MuteEnvelope = z.infer<typeof muteEnvelopeSchema>;
export type DisappearingInput = z.input<typeof disappearingBodySchema>;
export type DisappearingEnvelope = z.infer<typeof disappearingEnvelopeSchema>;

/** `DELETE /v1/users/me` and the data export (lib/contracts/account.ts). */
export type DeleteAccountInput = z.infer<typeof deleteAccountSchema>;
export type DataExportEnvelope = z.infer<typeof dataExportEnvelopeSchema>;
