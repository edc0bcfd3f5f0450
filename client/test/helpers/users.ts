import { inject } from "vitest";
import WebSocket from "ws";
import { SecureConnectClient, type ClientOptions } from "../../src/index";

export const baseUrl = inject("baseUrl");

let n = 0;
export function unique(prefix: string): string {
  n += 1;
  return `${prefix}${Date.now().toString(36)}${n}${Math.random().toString(36).slice(2, 6)}`;
}

/** A client for Node: global fetch, the `ws` package's WebSocket, fast heartbeat and backoff. */
export function nodeClient(options: Partial<ClientOptions> = {}): SecureConnectClient {
  return new SecureConnectClient({
    baseUrl,
    WebSocket,
    heartbeatMs: 500,
    heartbeatTimeoutMs: 1_000,
    connectTimeoutMs: 3_000,
    backoff: { initialMs: 100, maxMs: 1_000 },
    ...options,
  });
}

/** Registers a fresh user through the SDK; the client is signed in afterwards. */
export async function signedUpClient(options: Partial<ClientOptions> = {}): Promise<SecureConnectClient> {
  const client = nodeClient(options);
  await client.api.auth.register({
    email: `${unique("cl")}@example.com`,
    username: unique("cl_").slice(0, 30),
    password: "correct horse battery staple",
  });
  return client;
}

/** Two signed-up users with a direct conversation between them. */
export async function pair(options: Partial<ClientOptions> = {}) {
  const [alice, bob] = await Promise.all([signedUpClient(options), signedUpClient(options)]);
  const bobId = bob.userId;
  if (!bobId) throw new Error("no user id after register");
  const { conversation } = await alice.api.conversations.create({ type: "direct", member_ids: [bobId] });
  return { alice, bob, conversationId: conversation.id };
}
