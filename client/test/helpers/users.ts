import { inject } from "vitest";
import WebSocket from "ws";
import type { FetchLike } from "../../src/http";
import { SecureConnectClient, type ClientOptions } from "../../src/index";

export const baseUrl = inject("baseUrl");
const PASSWORD = "correct horse battery staple";

let n = 0;
export function unique(prefix: string): string {
  n += 1;
  return `${prefix}${Date.now().toString(36)}${n}${Math.random().toString(36).slice(2, 6)}`;
}

/**
 * Each Node client comes from its own address, as people on their own phones do: the gateway throttles
 * registration and login per IP (20 a minute), and the suite signs up more people than that. (The local
 * stack takes the client's `cf-connecting-ip`, as the benchmarks' clients do.)
 */
function fromOwnAddress(): FetchLike {
  const ip = `198.18.${Math.floor(Math.random() * 256)}.${1 + Math.floor(Math.random() * 254)}`;
  return (input, init) => {
    const headers = new Headers(init?.headers);
    headers.set("cf-connecting-ip", ip);
    return globalThis.fetch(input, { ...init, headers });
  };
}

/** A client for Node: global fetch from an address of its own, the `ws` package's WebSocket, fast heartbeat and backoff. */
export function nodeClient(options: Partial<ClientOptions> = {}): SecureConnectClient {
  return new SecureConnectClient({
    baseUrl,
    WebSocket,
    fetch: fromOwnAddress(),
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
    password: PASSWORD,
  });
  return client;
}

/**
 * Two users registered once per test file: registration is throttled per IP (20 a minute), so
 * tests share accounts and isolate themselves with a fresh conversation each (`freshConversation`).
 */
let shared: Promise<{ alice: SecureConnectClient; bob: SecureConnectClient }> | null = null;
export function sharedPair(): Promise<{ alice: SecureConnectClient; bob: SecureConnectClient }> {
  shared ??= Promise.all([signedUpClient(), signedUpClient()]).then(([alice, bob]) => ({ alice, bob }));
  return shared;
}

/** A new two-member group: its seq starts at 1, whatever other tests did between the same users. */
export async function freshConversation(owner: SecureConnectClient, other: SecureConnectClient): Promise<string> {
  const { conversation } = await owner.api.conversations.create({ type: "group", name: unique("room"), member_ids: [other.userId ?? ""] });
  return conversation.id;
}

/** Another client instance on the same session (e.g. through a proxy); tokens live 15 minutes. */
export function sameSession(client: SecureConnectClient, options: Partial<ClientOptions>): SecureConnectClient {
  const tokens = client.session.current;
  if (!tokens) throw new Error("not signed in");
  return nodeClient({ ...options, tokens });
}

/** A new session of an existing account (its own refresh-token chain). */
export async function newSession(email: string): Promise<SecureConnectClient> {
  const client = nodeClient();
  await client.api.auth.login({ email, password: PASSWORD });
  return client;
}
