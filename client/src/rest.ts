import type { AuthSession } from "./auth-session";
import type { Http } from "./http";
import type * as T from "./types";

const e = encodeURIComponent;

/** Every REST route of the contract (API.md), typed from lib/contracts. Grouped as the docs group them. */
export function restApi(http: Http, session: AuthSession) {
  const onThisDevice = <I extends { device_id?: string | undefined }>(input: I): I =>
    input.device_id === undefined && session.lastDeviceId ? { ...input, device_id: session.lastDeviceId } : input;

  /** Cookie mode asks for the refresh token in the HttpOnly cookie (and proves it is the app asking). */
  const sessionHeaders = (withCsrf: boolean): Record<string, string> =>
    session.mode === "cookie" ? { "X-Session-Mode": "cookie", ...(withCsrf && session.current ? { "X-CSRF-Token": session.current.refreshToken } : {}) } : {};

  const auth = {
    /** Creates the account and signs this client in. */
    register: async (input: T.RegisterInput) => {
      const pair = await http.request<T.SignInAnswer>("POST", "/v1/auth/register", { body: onThisDevice(input), auth: false, headers: sessionHeaders(false) });
      session.adopt(pair);
      return pair;
    },
    /** Sends this client's last device id unless `device_id` is given: signing in again stays on the same device. */
    login: async (input: T.LoginInput) => {
      const pair = await http.request<T.SignInAnswer>("POST", "/v1/auth/login", { body: onThisDevice(input), auth: false, headers: sessionHeaders(false) });
      session.adopt(pair);
      return pair;
    },
    /** Revokes the session server-side (cookie mode: and clears the cookie), then forgets the tokens locally (even if the call failed). */
    logout: async () => {
      try {
        await http.request<void>("POST", "/v1/auth/logout", { headers: sessionHeaders(true) });
      } finally {
        session.set(null);
      }
    },
    /** Forces a rotation now (normally automatic). */
    refresh: () => session.refresh(),
    verifyEmail: (token: string) => http.request<T.VerifyEmailResult>("POST", "/v1/auth/verify-email", { body: { token }, auth: false }),
    resendVerification: () => http.request<T.Accepted>("POST", "/v1/auth/resend-verification"),
    forgotPassword: (input: T.ForgotPasswordInput) => http.request<T.Accepted>("POST", "/v1/auth/forgot-password", { body: input, auth: false }),
    resetPassword: (input: T.ResetPasswordInput) => http.request<T.ResetPasswordResult>("POST", "/v1/auth/reset-password", { body: input, auth: false }),
    /** Needs the current password; every OTHER session is signed out, this one stays. */
    changePassword: (input: T.ChangePasswordInput) => http.request<T.ChangePasswordResult>("POST", "/v1/auth/change-password", { body: input }),
    /** Mails a confirmation to the new address; nothing changes until `confirmEmailChange` gets its token. */
    changeEmail: (input: T.ChangeEmailInput) => http.request<T.Accepted>("POST", "/v1/auth/change-email", { body: input }),
    confirmEmailChange: (token: string) => http.request<T.VerifyEmailResult>("POST", "/v1/auth/confirm-email-change", { body: { token }, auth: false }),
    sessions: () => http.request<T.SessionList>("GET", "/v1/auth/sessions"),
    revokeSession: (sessionId: string) => http.request<void>("DELETE", `/v1/auth/sessions/${e(sessionId)}`),
  };

  const users = {
    me: () => http.request<T.UserEnvelope>("GET", "/v1/users/me"),
    updateMe: (input: T.UpdateMeInput) => http.request<T.UserEnvelope>("PATCH", "/v1/users/me", { body: input }),
    get: (userId: string) => http.request<T.PublicUserEnvelope>("GET", `/v1/users/${e(userId)}`),
    search: (query: T.UserSearchQuery) => http.request<T.UserSearchResult>("GET", "/v1/users", { query }),
    devices: () => http.request<T.DeviceList>("GET", "/v1/users/me/devices"),
    addDevice: (input: T.RegisterDeviceInput) => http.request<T.DeviceCreated>("POST", "/v1/users/me/devices", { body: input }),
    removeDevice: (deviceId: string) => http.request<void>("DELETE", `/v1/users/me/devices/${e(deviceId)}`),
    /** The users this account blocks; hide their messages in shared groups by this list. */
    blocks: () => http.request<T.BlockList>("GET", "/v1/users/me/blocks"),
    block: (userId: string) => http.request<T.BlockEnvelope>("PUT", `/v1/users/me/blocks/${e(userId)}`),
    unblock: (userId: string) => http.request<void>("DELETE", `/v1/users/me/blocks/${e(userId)}`),
    /** Deletes the account (password required); on success every session ends, so the local tokens are forgotten too. */
    deleteAccount: async (input: T.DeleteAccountInput) => {
      await http.request<void>("DELETE", "/v1/users/me", { body: input });
      session.set(null);
    },
    /** Asks for a data export (once a day: a second ask is RATE_LIMITED); it is built in the background and announced by email. */
    requestExport: () => http.request<T.DataExportEnvelope>("POST", "/v1/users/me/export"),
    /** The latest export, with a 15-minute download link while it is ready. */
    exportStatus: () => http.request<T.DataExportEnvelope>("GET", "/v1/users/me/export"),
  };

  const conversations = {
    create: (input: T.CreateConversationInput) => http.request<T.ConversationEnvelope>("POST", "/v1/conversations", { body: input }),
    list: (query: T.ListConversationsQuery = {}) => http.request<T.ConversationList>("GET", "/v1/conversations", { query }),
    get: (id: string) => http.request<T.ConversationEnvelope>("GET", `/v1/conversations/${e(id)}`),
    /** Groups only; owner or admin. */
    rename: (id: string, input: T.RenameConversationInput) => http.request<T.ConversationEnvelope>("PATCH", `/v1/conversations/${e(id)}`, { body: input }),
    addMembers: (id: string, input: T.AddMembersInput) => http.request<T.ConversationEnvelope>("POST", `/v1/conversations/${e(id)}/members`, { body: input }),
    removeMember: (id: string, userId: string) => http.request<void>("DELETE", `/v1/conversations/${e(id)}/members/${e(userId)}`),
    setRole: (id: string, userId: string, input: T.SetRoleInput) =>
      http.request<T.ConversationEnvelope>("PATCH", `/v1/conversations/${e(id)}/members/${e(userId)}`, { body: input }),
    /** No pushes for this conversation (messages still arrive) until `until`, or until `unmute` without one. */
    mute: (id: string, input: T.MuteInput = {}) => http.request<T.MuteEnvelope>("PUT", `/v1/conversations/${e(id)}/mute`, { body: input }),
    unmute: (id: string) => http.request<void>("DELETE", `/v1/conversations/${e(id)}/mute`),
    /** Messages sent afterwards are erased `seconds` after they were stored (30 s to 4 weeks; null = off). */
    setDisappearing: (id: string, input: T.DisappearingInput) =>
      http.request<T.DisappearingEnvelope>("PUT", `/v1/conversations/${e(id)}/disappearing`, { body: input }),
  };

  const messages = {
    /** Idempotent per `client_id`: sending the same one again returns the original message. */
    send: (conversationId: string, input: T.SendMessageInput) =>
      http.request<T.MessageEnvelope>("POST", `/v1/conversations/${e(conversationId)}/messages`, { body: input }),
    /** Newest first unless `after_seq` is given. */
    list: (conversationId: string, query: T.HistoryQuery = {}) =>
      http.request<T.MessagePage>("GET", `/v1/conversations/${e(conversationId)}/messages`, { query }),
    edit: (conversationId: string, seq: number, input: T.EditMessageInput) =>
      http.request<T.MessageEnvelope>("PATCH", `/v1/conversations/${e(conversationId)}/messages/${seq}`, { body: input }),
    delete: (conversationId: string, seq: number) => http.request<T.MessageEnvelope>("DELETE", `/v1/conversations/${e(conversationId)}/messages/${seq}`),
    react: (conversationId: string, seq: number, emoji: string) =>
      http.request<T.MessageEnvelope>("PUT", `/v1/conversations/${e(conversationId)}/messages/${seq}/reactions/${e(emoji)}`),
    unreact: (conversationId: string, seq: number, emoji: string) =>
      http.request<T.MessageEnvelope>("DELETE", `/v1/conversations/${e(conversationId)}/messages/${seq}/reactions/${e(emoji)}`),
    markRead: (conversationId: string, seq: number) =>
      http.request<{ last_read_seq: number }>("POST", `/v1/conversations/${e(conversationId)}/read`, { body: { seq } }),
  };

  const presence = {
    get: (userIds: string[]) => http.request<T.PresenceList>("GET", "/v1/presence", { query: { user_ids: userIds.join(",") } }),
  };

  const calls = {
    initiate: (input: T.InitiateCallInput) => http.request<T.CallJoinResponse>("POST", "/v1/calls/initiate", { body: input }),
    get: (callId: string) => http.request<T.CallResponse>("GET", `/v1/calls/${e(callId)}`),
    join: (callId: string) => http.request<T.CallJoinResponse>("POST", `/v1/calls/${e(callId)}/join`),
    decline: (callId: string) => http.request<T.CallResponse>("POST", `/v1/calls/${e(callId)}/decline`),
    leave: (callId: string) => http.request<T.CallResponse>("POST", `/v1/calls/${e(callId)}/leave`),
    end: (callId: string) => http.request<T.CallResponse>("POST", `/v1/calls/${e(callId)}/end`),
    history: (query: T.CallHistoryQuery) => http.request<T.CallList>("GET", "/v1/calls", { query }),
    iceServers: () => http.request<T.IceServersResponse>("GET", "/v1/calls/ice-servers"),
    sfu: {
      newSession: (callId: string, body: T.SfuNewSessionBody = {}) => http.request<T.SfuAnswer>("POST", `/v1/calls/${e(callId)}/sfu/sessions`, { body }),
      newTracks: (callId: string, sessionId: string, body: T.SfuNewTracksBody) =>
        http.request<T.SfuAnswer>("POST", `/v1/calls/${e(callId)}/sfu/sessions/${e(sessionId)}/tracks`, { body }),
      renegotiate: (callId: string, sessionId: string, body: T.SfuRenegotiateBody) =>
        http.request<T.SfuAnswer>("PUT", `/v1/calls/${e(callId)}/sfu/sessions/${e(sessionId)}/renegotiate`, { body }),
      closeTracks: (callId: string, sessionId: string, body: T.SfuCloseTracksBody) =>
        http.request<T.SfuAnswer>("PUT", `/v1/calls/${e(callId)}/sfu/sessions/${e(sessionId)}/tracks/close`, { body }),
    },
  };

  const storage = {
    uploadUrl: (input: T.UploadUrlRequest) => http.request<T.UploadUrlResponse>("POST", "/v1/storage/upload-url", { body: input }),
    uploadComplete: (fileId: string) => http.request<T.FileResponse>("POST", "/v1/storage/upload-complete", { body: { file_id: fileId } }),
    downloadUrl: (fileId: string) => http.request<T.DownloadUrlResponse>("GET", `/v1/storage/download-url/${e(fileId)}`),
    deleteFile: (fileId: string) => http.request<void>("DELETE", `/v1/storage/files/${e(fileId)}`),
    files: (query: T.ListFilesQuery = {}) => http.request<T.FileList>("GET", "/v1/storage/files", { query }),
    quota: () => http.request<T.Quota>("GET", "/v1/storage/quota"),
  };

  const keys = {
    /** `device_id` defaults to this session's device (the key directory's devices are the sessions' devices). */
    upload: (input: Omit<T.KeyUpload, "device_id"> & { device_id?: string }) =>
      http.request<void>("PUT", "/v1/keys", { body: { ...input, device_id: input.device_id ?? session.current?.deviceId } }),
    count: (deviceId: string) => http.request<T.PrekeyCount>("GET", "/v1/keys/count", { query: { device_id: deviceId } }),
    /** Claims one one-time prekey per device of that user. */
    bundle: (userId: string, deviceId?: string) => http.request<T.KeyBundle>("GET", `/v1/keys/${e(userId)}`, { query: { device_id: deviceId } }),
  };

  const ws = {
    ticket: () => http.request<T.WsTicket>("POST", "/v1/ws/ticket"),
  };

  /** Device mailboxes: post to a device (yours or a conversation partner's); read and ack your own without a socket. */
  const devices = {
    postMail: (deviceId: string, input: T.PostMailboxInput) => http.request<T.MailboxPosted>("POST", `/v1/devices/${e(deviceId)}/mailbox`, { body: input }),
    mailbox: () => http.request<T.MailboxList>("GET", "/v1/devices/me/mailbox"),
    ackMailbox: (input: T.MailboxAckInput) => http.request<void>("POST", "/v1/devices/me/mailbox/ack", { body: input }),
  };

  const push = {
    /** The applicationServerKey for `PushManager.subscribe`; register the subscription with `users.addDevice({platform: "web"})`. */
    vapidPublicKey: () => http.request<T.VapidPublicKey>("GET", "/v1/push/vapid-public-key", { auth: false }),
  };

  const health = {
    live: () => http.request<T.LiveHealth>("GET", "/health", { auth: false }),
    /** 200 when every dependency answers, 503 (same shape, `degraded`) otherwise: both resolve. */
    ready: () => http.request<T.ReadyHealth>("GET", "/v1/health", { auth: false, acceptStatus: [503] }),
  };

  /** Development only (absent in production): the emails and pushes the queue consumers kept. */
  const dev = {
    mailbox: (to: string) => http.request<T.DevMailbox>("GET", "/dev/mailbox", { query: { to }, auth: false }),
    pushOutbox: (userId: string) => http.request<T.DevPushOutbox>("GET", "/dev/push-outbox", { query: { user_id: userId }, auth: false }),
  };

  /** MLS: this device's KeyPackages, claims of other devices' packages, a conversation's epoch, GroupInfo and devices. */
  const mls = {
    uploadKeyPackages: (input: T.KeyPackageUploadInput) => http.request<T.KeyPackageCount>("POST", "/v1/devices/me/key-packages", { body: input }),
    keyPackageCount: () => http.request<T.KeyPackageCount>("GET", "/v1/devices/me/key-packages/count"),
    claimKeyPackages: (input: T.KeyPackageClaimInput) => http.request<T.KeyPackageClaimResult>("POST", "/v1/mls/key-packages/claim", { body: input }),
    group: (conversationId: string) => http.request<T.MlsGroupEnvelope>("GET", `/v1/conversations/${e(conversationId)}/mls`),
    /** The devices the conversation's group must hold: every signed-in device of every current member. */
    devices: (conversationId: string) => http.request<T.MlsDeviceList>("GET", `/v1/conversations/${e(conversationId)}/mls/devices`),
  };

  return { auth, users, conversations, messages, presence, calls, storage, keys, ws, devices, mls, push, health, dev };
}

export type RestApi = ReturnType<typeof restApi>;
