import { integer, pgTable, primaryKey, text } from "drizzle-orm/pg-core";
import { users } from "./users";

// device_id here is the client's E2EE device identifier (chosen by the app), not devices.id:
// a browser may publish keys without registering a push token.
export const keyDevices = pgTable(
  "key_devices",
  {
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    deviceId: text("device_id").notNull(),
    identityKey: text("identity_key").notNull(),
    signedPrekeyId: integer("signed_prekey_id").notNull(),
    signedPrekeyPublic: text("signed_prekey_public").notNull(),
    signedPrekeySignature: text("signed_prekey_signature").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.deviceId] })],
);

export const oneTimePrekeys = pgTable(
  "one_time_prekeys",
  {
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    deviceId: text("device_id").notNull(),
    keyId: integer("key_id").notNull(),
    publicKey: text("public_key").notNull(),
    createdAt: text("created_at").notNull(),
  },
  // The primary key doubles as the claim index (user, device, lowest key_id first) and forbids
  // the same key id twice per device.
  (t) => [primaryKey({ columns: [t.userId, t.deviceId, t.keyId] })],
);
