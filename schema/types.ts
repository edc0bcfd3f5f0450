import type * as sqlite from "./sqlite";

/**
 * Row types, inferred from the tables (never written by hand). The SQLite tables are the
 * reference; `parity.ts` proves the Postgres tables infer exactly the same types.
 */
export type User = typeof sqlite.users.$inferSelect;
export type NewUser = typeof sqlite.users.$inferInsert;
export type Session = typeof sqlite.sessions.$inferSelect;
export type NewSession = typeof sqlite.sessions.$inferInsert;
export type RefreshToken = typeof sqlite.refreshTokens.$inferSelect;
export type NewRefreshToken = typeof sqlite.refreshTokens.$inferInsert;
export type EmailToken = typeof sqlite.emailTokens.$inferSelect;
export type NewEmailToken = typeof sqlite.emailTokens.$inferInsert;
export type WsTicket = typeof sqlite.wsTickets.$inferSelect;
/** Any device row: a device a session signed in on may have no push token. */
export type DeviceRow = typeof sqlite.devices.$inferSelect;
/** A device push can reach (one with a push token): what the push code handles. */
export type Device = DeviceRow & { pushToken: string };
export type Conversation = typeof sqlite.conversations.$inferSelect;
export type ConversationMember = typeof sqlite.conversationMembers.$inferSelect;
export type KeyDevice = typeof sqlite.keyDevices.$inferSelect;
export type OneTimePrekey = typeof sqlite.oneTimePrekeys.$inferSelect;
export type Call = typeof sqlite.calls.$inferSelect;
export type NewCall = typeof sqlite.calls.$inferInsert;
export type CallParticipant = typeof sqlite.callParticipants.$inferSelect;
export type FileRow = typeof sqlite.files.$inferSelect;
export type NewFile = typeof sqlite.files.$inferInsert;
export type Quota = typeof sqlite.quotas.$inferSelect;
export type DataExport = typeof sqlite.dataExports.$inferSelect;
export type EmailChange = typeof sqlite.emailChanges.$inferSelect;
export type UserBlock = typeof sqlite.userBlocks.$inferSelect;
export type ConversationMute = typeof sqlite.conversationMutes.$inferSelect;
