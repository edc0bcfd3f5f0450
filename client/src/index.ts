import { AuthSession, type SessionMode, type StoredTokens } from "./auth-session";
import { withCrossTabLock } from "./cross-tab-lock";
import { CallSession } from "./call-session";
import { GroupCall } from "./group-call";
import { ChatConnection } from "./chat-connection";
import { LiveConversationList } from "./conversation-list";
import { DeviceStream } from "./device-stream";
import { ApiError } from "./errors";
import { Http, type FetchLike } from "./http";
import { IncomingCalls } from "./incoming-calls";
import { flushOutbox, type FlushResult } from "./outbox-flush";
import type { WebSocketConstructor } from "./managed-socket";
import { restApi, type RestApi } from "./rest";
import { MemoryOutboxStore, MemoryPositionStore, type OutboxStore, type StreamPositionStore } from "./stores";
import type { IceServer, SignInAnswer } from "./types";
import { uploadFile, type UploadOptions, type UploadSource } from "./uploads";
import { downloadDecrypted, uploadEncrypted } from "./e2ee/attachments";
import { E2ee } from "./e2ee/e2ee";
import { EncryptedChat } from "./e2ee/encrypted-chat";
import type { EncryptedFile } from "./e2ee/payload";
import { MemorySecretStore, type SecretStore } from "./e2ee/secret-store";

export { ApiError } from "./errors";
export { AuthSession, type SessionMode, type StoredTokens } from "./auth-session";
export { ChatConnection, type ChatEvents, type SendInput } from "./chat-connection";
export { CallSession, type CallEvents } from "./call-session";
export { GroupCall, type GroupCallEvents, type GroupParticipant } from "./group-call";
export type { GroupConnectionState, ParticipantMediaStats } from "./group-media";
export { ManagedSocket, type SocketState, type WebSocketConstructor, type WebSocketLike } from "./managed-socket";
export { backoffDelay, type BackoffOptions } from "./timing";
export { Outbox, SendRejected, newClientId, type Delivered, type OutboxPersistence } from "./outbox";
export { DeviceStream, type DeviceStreamEvents, type EntryOf, type MailboxHandler } from "./device-stream";
export { LiveConversationList, type ConversationListEvents } from "./conversation-list";
export { applyEntry, mergeRow, rowFromItem, sortRows, totalUnread, type LiveConversation, type RowChange } from "./conversation-list-state";
export { flushOutbox, type FlushResult } from "./outbox-flush";
export { IncomingCalls, type IncomingCallsEvents, type RingStopped } from "./incoming-calls";
export { MemoryOutboxStore, MemoryPositionStore, type OutboxStore, type PersistedSend, type StoredPosition, type StreamPositionStore } from "./stores";
export { indexedDbStores, type IndexedDbStoreOptions } from "./indexeddb-stores";
export { fromBlob, type UploadSource, type UploadOptions } from "./uploads";
export { E2ee, type DeviceChange, type DevicesEvent, type E2eeEvents } from "./e2ee/e2ee";
export { EncryptedChat, type EncryptedChatEvents } from "./e2ee/encrypted-chat";
export { MemorySecretStore, sealedStore, newWrappingKey, type SecretStore } from "./e2ee/secret-store";
export type { DecryptedMessage } from "./e2ee/conversation-group";
export type { EncryptedFile, MessageContent } from "./e2ee/payload";
export { foldTimeline, type TimelineItem } from "./e2ee/timeline";
export { formatSafetyNumber, safetyNumber, type KeyChange } from "./e2ee/trust";
export type * from "./types";

export interface ClientOptions {
  /** The API origin, e.g. "http://127.0.0.1:8787" (sockets use the same host over ws/wss). */
  baseUrl: string;
  /** Defaults to the global fetch. */
  fetch?: FetchLike;
  /** Defaults to the global WebSocket; pass `ws`'s class in Node < 22. */
  WebSocket?: WebSocketConstructor;
  /** Resume a stored session (see `onTokens` to keep it up to date). */
  tokens?: StoredTokens;
  /** This device's id from an earlier run (`sc.deviceId`), if you kept it past a sign-out: the next sign-in stays on it. */
  deviceId?: string;
  /** Called after sign-in, every refresh (tokens rotate!) and sign-out (null): persist them here. */
  onTokens?: (tokens: StoredTokens | null) => void;
  /**
   * "cookie" (browsers): the gateway keeps the refresh token in an HttpOnly cookie, so it never
   * reaches script; `tokens.refreshToken` is then the CSRF token. Default "bearer" (native, Node).
   */
  sessionMode?: SessionMode;
  /**
   * Cookie mode with several tabs: the newest CSRF token any tab stored (read under a cross-tab
   * lock right before a refresh, since another tab may have rotated the cookie meanwhile).
   */
  latestCsrfToken?: () => string | undefined;
  /** Chat socket tuning (defaults: ping every 20 s, dead after 10 s of silence, backoff 0.5 s → 15 s). */
  heartbeatMs?: number;
  heartbeatTimeoutMs?: number;
  connectTimeoutMs?: number;
  backoff?: { initialMs: number; maxMs: number };
  /** Keeps unsent messages across reloads (default: in memory; browsers: `indexedDbStores().outbox`). */
  outboxStore?: OutboxStore;
  /** Keeps the device stream's position across reloads (default: in memory; browsers: `indexedDbStores().position`). */
  positionStore?: StreamPositionStore;
  /** Keeps E2EE keys, group states and decrypted messages (default: in memory, lost on reload; browsers: `indexedDbStores().secrets`). */
  secretStore?: SecretStore;
}

export interface CallOptions {
  localStream: MediaStream;
  createPeerConnection?: (config: RTCConfiguration) => RTCPeerConnection;
  iceServers?: IceServer[];
}

/** The SecureConnect client: typed REST routes, auth with automatic refresh, chat sockets, uploads, calls. */
export class SecureConnectClient {
  readonly session: AuthSession;
  readonly api: RestApi;
  private readonly http: Http;
  private readonly fetchImpl: FetchLike;
  private readonly WebSocketImpl: WebSocketConstructor | undefined;
  private readonly outboxStore: OutboxStore;
  private readonly positionStore: StreamPositionStore;
  private stream: DeviceStream | null = null;
  private e2eeValue: E2ee | null = null;

  constructor(private readonly options: ClientOptions) {
    this.fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.WebSocketImpl = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    const mode = options.sessionMode ?? "bearer";
    this.session = new AuthSession(
      (credential) =>
        mode === "cookie"
          ? withCrossTabLock("secureconnect-refresh", () =>
              this.http.request<SignInAnswer>("POST", "/v1/auth/refresh", {
                auth: false,
                headers: { "X-Session-Mode": "cookie", "X-CSRF-Token": options.latestCsrfToken?.() ?? credential },
              }),
            )
          : this.http.request<SignInAnswer>("POST", "/v1/auth/refresh", { body: { refresh_token: credential }, auth: false }),
      Date.now,
      mode,
    );
    this.http = new Http(options.baseUrl, this.session, this.fetchImpl);
    this.session.lastDeviceId = options.deviceId;
    if (options.tokens) this.session.set(options.tokens);
    if (options.onTokens) this.session.onChange(options.onTokens);
    this.api = restApi(this.http, this.session);
    this.outboxStore = options.outboxStore ?? new MemoryOutboxStore();
    this.positionStore = options.positionStore ?? new MemoryPositionStore();
  }

  /** The signed-in user's id (from the last token answer), if known. */
  get userId(): string | undefined {
    return this.session.current?.user?.id;
  }

  /** The device this session is bound to (after a sign-out: the one the next sign-in asks for). */
  get deviceId(): string | undefined {
    return this.session.current?.deviceId ?? this.session.lastDeviceId;
  }

  /**
   * The device's event stream (`/v1/ws/events`): one per client, opened on first use, shared by
   * `conversationList()` and `incomingCalls()`. After `close()` the next call opens a new one.
   */
  events(): DeviceStream {
    if (this.stream && this.stream.state !== "closed") return this.stream;
    this.stream = new DeviceStream({
      socketUrl: (query) => this.socketUrl("/v1/ws/events", query),
      WebSocket: this.requireWebSocket(),
      ...this.socketTuning(),
      isFatal: isSignedOut,
      positionStore: this.positionStore,
      deviceId: () => this.deviceId,
    });
    // Someone joined or left a conversation: its MLS group must follow before our next message.
    this.stream.on("details", ({ event }) => {
      if (event.change === "members") this.e2eeValue?.membersChanged(event.conversation_id);
    });
    return this.stream;
  }

  /** A live conversation list over the event stream (unread counts, last messages, order by activity). */
  conversationList(options: { maxConversations?: number } = {}): LiveConversationList {
    return new LiveConversationList({ api: this.api, stream: this.events(), selfId: () => this.userId, ...options });
  }

  /** Calls ringing for this user, wherever the app is (the event stream's `call` entries). */
  incomingCalls(): IncomingCalls {
    return new IncomingCalls(this.events(), () => this.userId);
  }

  /**
   * Sends every persisted unsent message of this user over REST (for an app that restarts on its
   * list rather than in the conversation, whose connection would resend them too). Exactly once
   * either way: the server stores one message per client_id.
   */
  flushOutbox(): Promise<FlushResult> {
    const userId = this.userId;
    if (!userId) return Promise.reject(new ApiError(401, "UNAUTHORIZED", "Sign in before sending."));
    return flushOutbox(this.api, this.outboxStore, userId);
  }

  /**
   * End-to-end encryption (MLS): the device's keys, one group per conversation, trust and safety
   * numbers. Created on first use over `secretStore`.
   */
  get e2ee(): E2ee {
    this.e2eeValue ??= new E2ee({
      api: this.api,
      store: this.options.secretStore ?? new MemorySecretStore(),
      self: () => {
        const userId = this.userId;
        const deviceId = this.deviceId;
        return userId && deviceId ? { userId, deviceId } : null;
      },
    });
    return this.e2eeValue;
  }

  /** An encrypted conversation's live connection: messages encrypted before they are queued, decrypted in seq order. */
  encryptedChat(conversationId: string, options: { sinceSeq?: number } = {}): EncryptedChat {
    return new EncryptedChat(this.e2ee, this.chat(conversationId, options));
  }

  /** Encrypts a file on this device and uploads the ciphertext; send the result in `files` of an encrypted message. */
  uploadEncrypted(source: UploadSource, conversationId: string): Promise<EncryptedFile> {
    return uploadEncrypted(this.api, this.fetchImpl, source, conversationId);
  }

  /** Downloads and decrypts an attachment of an encrypted message (null: altered or not decryptable). */
  downloadDecrypted(file: EncryptedFile): Promise<Uint8Array | null> {
    return downloadDecrypted(this.api, this.fetchImpl, file);
  }

  /** Opens a conversation's live connection (resuming after `sinceSeq` if given). */
  chat(conversationId: string, options: { sinceSeq?: number } = {}): ChatConnection {
    return new ChatConnection({
      conversationId,
      ...(options.sinceSeq !== undefined ? { sinceSeq: options.sinceSeq } : {}),
      selfId: () => this.userId,
      socketUrl: (query) => this.socketUrl("/v1/ws/chat", query),
      WebSocket: this.requireWebSocket(),
      ...this.socketTuning(),
      isFatal: isSignedOut,
      outboxStore: this.outboxStore,
    });
  }

  /** Presigned upload: reserve → PUT → complete. The returned file's id goes into `attachments`. */
  upload(source: UploadSource, options: UploadOptions = {}) {
    return uploadFile(this.api, this.fetchImpl, source, options);
  }

  /** Starts a 1:1 call in a conversation (it rings until the other side accepts). */
  startCall(conversationId: string, options: CallOptions, type: "audio" | "video" = "video"): Promise<CallSession> {
    return CallSession.start(this.callOptions(options), conversationId, type);
  }

  /** Accepts a ringing call and connects media. */
  acceptCall(callId: string, options: CallOptions): Promise<CallSession> {
    return CallSession.accept(this.callOptions(options), callId);
  }

  /** Starts a group call (a group conversation's members are rung): media through the SFU, or RealtimeKit where the deployment runs it. */
  startGroupCall(conversationId: string, options: CallOptions, type: "audio" | "video" = "video"): Promise<GroupCall> {
    return GroupCall.start(this.callOptions(options), conversationId, type);
  }

  /** Joins a group call that rang (or is running in a group the user was added to since). */
  joinGroupCall(callId: string, options: CallOptions): Promise<GroupCall> {
    return GroupCall.join(this.callOptions(options), callId);
  }

  /** A socket URL with a fresh single-use ticket (tickets keep tokens out of URLs and logs). */
  async socketUrl(path: string, query: Record<string, string>): Promise<string> {
    const { ticket } = await this.api.ws.ticket();
    return this.http.url(path, { ...query, ticket }).replace(/^http/, "ws");
  }

  private callOptions(options: CallOptions) {
    const selfId = this.userId;
    if (!selfId) throw new ApiError(401, "UNAUTHORIZED", "Sign in before calling.");
    const createPeerConnection = options.createPeerConnection ?? ((config: RTCConfiguration) => new RTCPeerConnection(config));
    return {
      api: this.api,
      selfId,
      createPeerConnection,
      localStream: options.localStream,
      socketUrl: (query: Record<string, string>) => this.socketUrl("/v1/ws/signaling", query),
      WebSocket: this.requireWebSocket(),
      ...(options.iceServers ? { iceServers: options.iceServers } : {}),
      isFatal: isSignedOut,
    };
  }

  private socketTuning() {
    return {
      heartbeatMs: this.options.heartbeatMs ?? 20_000,
      heartbeatTimeoutMs: this.options.heartbeatTimeoutMs ?? 10_000,
      connectTimeoutMs: this.options.connectTimeoutMs ?? 10_000,
      backoff: this.options.backoff ?? { initialMs: 500, maxMs: 15_000 },
    };
  }

  private requireWebSocket(): WebSocketConstructor {
    if (!this.WebSocketImpl) throw new Error("No WebSocket implementation: pass `WebSocket` (e.g. from the `ws` package).");
    return this.WebSocketImpl;
  }
}

/** A socket whose ticket cannot be had because the session is gone should stop retrying. */
function isSignedOut(error: unknown): boolean {
  return error instanceof ApiError && (error.status === 401 || error.status === 403);
}
