// The SDK's quick start, shown in client/README.md and run in CI (e2e/quick-start.e2e.test.ts) so it keeps working.
// Two new users; the first opens a direct conversation with the second and sends a message over its live
// connection; the second receives it; both connections close and the script exits.
import WebSocket from "ws"; // browsers and Node 22+ have a global WebSocket and can leave this out
import { SecureConnectClient } from "../src/index";

const baseUrl = process.env.SC_BASE_URL ?? "http://localhost:8787";
const run = Math.random().toString(36).slice(2, 10); // emails and usernames are unique: a fresh pair every run

async function signUp(name: string): Promise<SecureConnectClient> {
  const client = new SecureConnectClient({ baseUrl, WebSocket });
  await client.api.auth.register({ email: `${name}.${run}@example.com`, username: `${name}_${run}`, password: "correct horse battery staple" });
  return client; // signed in: tokens are kept (and refreshed) by the client
}

const ada = await signUp("ada");
const bob = await signUp("bob");
const { conversation } = await ada.api.conversations.create({ type: "direct", member_ids: [bob.userId ?? ""] });

// sinceSeq 0: Bob's connection replays from the start, so he gets the message even if it is stored before his socket opens.
const bobChat = bob.chat(conversation.id, { sinceSeq: 0 });
const received = bobChat.once("message");
const adaChat = ada.chat(conversation.id);
const { seq } = await adaChat.send({ body: "Hello, Bob!" }); // resolves once the room has stored it

const message = await received;
console.log(`bob received #${seq} from ada: ${message.body ?? ""}`);
adaChat.close();
bobChat.close();
