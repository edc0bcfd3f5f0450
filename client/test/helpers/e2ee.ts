import type { DecryptedMessage, Message, SecureConnectClient } from "../../src/index";
import { MLS_APPLICATION, MLS_COMMIT } from "../../src/e2ee/conversation-group";

/** The E2EE steps the real-stack tests share (client/test/e2ee*.test.ts): what the web app does on sign-in and on its stream. */

/** Publishes the device's KeyPackages (what the app does after sign-in). */
export async function ready(client: SecureConnectClient): Promise<SecureConnectClient> {
  await client.e2ee.publishKeyPackages();
  return client;
}

/** Joins whatever Welcomes the device's mailbox holds, then acknowledges them (what the app's stream does). */
export async function joinFromMailbox(client: SecureConnectClient): Promise<void> {
  const { entries } = await client.api.devices.mailbox();
  await client.e2ee.handleMailbox(entries);
  if (entries.length > 0) await client.api.devices.ackMailbox({ ids: entries.map((e) => e.id) });
}

/** Everything this device can read in the conversation now, by seq. */
export async function read(client: SecureConnectClient, conversationId: string): Promise<DecryptedMessage[]> {
  const { messages } = await client.api.messages.list(conversationId, { limit: 100 });
  return (await client.e2ee.ingest(conversationId, messages)).sort((a, b) => a.seq - b.seq);
}

/** Each message's text, or its status when it has none to show. */
export const bodies = (messages: DecryptedMessage[]) => messages.map((m) => (m.status === "ok" && m.content?.kind === "text" ? m.content.body : m.status));

/** Encrypts a text on this device and sends it over REST. */
export async function sendText(client: SecureConnectClient, conversationId: string, body: string): Promise<Message> {
  const sealed = await client.e2ee.encrypt(conversationId, { kind: "text", body });
  const { message } = await client.api.messages.send(conversationId, {
    client_id: sealed.client_id,
    content_type: MLS_APPLICATION,
    ciphertext: sealed.ciphertext,
    epoch: sealed.epoch,
  });
  return message;
}

/** The conversation's stored commits, oldest first. */
export async function commitsIn(client: SecureConnectClient, conversationId: string): Promise<Message[]> {
  return (await client.api.messages.list(conversationId, { limit: 100 })).messages.filter((m) => m.content_type === MLS_COMMIT).sort((a, b) => a.seq - b.seq);
}

/** The client's user and device, as a leaf names them. */
export const idOf = (client: SecureConnectClient) => ({ userId: client.userId ?? "", deviceId: client.deviceId ?? "" });
