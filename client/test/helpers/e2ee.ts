import type { DecryptedMessage, Message, SecureConnectClient } from "../../src/index";
import { MLS_APPLICATION, MLS_COMMIT } from "../../src/e2ee/conversation-group";

/** What the client E2EE tests against the real stack do the way the web app does. */

/** Publishes the device's KeyPackages (what the app does after sign-in). */
export async function ready(client: SecureConnectClient): Promise<SecureConnectClient> {
  await client.e2ee.publishKeyPackages();
  return client;
}

/** Joins whatever its mailbox holds (Welcomes) and acknowledges it, as the app does on its stream. */
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

/** Each message as the user sees it: its text, or its status when there is none to show. */
export const bodies = (messages: DecryptedMessage[]) => messages.map((m) => (m.status === "ok" && m.content?.kind === "text" ? m.content.body : m.status));

/** One encrypted text over REST (no device check first, unlike `EncryptedChat.send`). */
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
