import { afterEach, describe, it } from "vitest";
import { MemorySecretStore, type SecureConnectClient } from "../src/index";
import { MLS_COMMIT } from "../src/e2ee/conversation-group";
import { bodies, commitsIn, idOf, joinFromMailbox, read, ready } from "./helpers/e2ee";
import { newSession, nodeClient, signedUpClient } from "./helpers/users";

/**
 * A member's new or removed device is noticed live (issue 19), against the real stack: the user's own
 * other device hears a `devices` entry on its stream and runs the device check of its encrypted
 * conversations at once, so nobody has to open the conversation or send for the group to follow.
 */

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const close of cleanups.splice(0)) close();
});

/** What the web app does with a device's stream: Welcomes joined from the mailbox, the user's other devices followed. */
async function live(client: SecureConnectClient): Promise<SecureConnectClient> {
  const stream = client.events();
  cleanups.push(() => stream.close());
  stream.autoAck((entries) => client.e2ee.handleMailbox(entries));
  client.e2ee.followDevices(stream);
  await stream.whenLive();
  return client;
}

const emailOf = (client: SecureConnectClient) => client.session.current?.user?.email ?? "";

describe("devices followed live on the event stream", () => {
  it("Alice's phone signing in is added by her laptop without anyone opening or sending, and reads Bob's next message", async ({ expect }) => {
    const alice = await live(await ready(await signedUpClient()));
    const bob = await ready(await signedUpClient());
    const { id } = await alice.e2ee.createConversation({ type: "direct", member_ids: [bob.userId ?? ""] });
    await joinFromMailbox(bob);
    const synced = alice.e2ee.once("devices_synced", (change) => change.conversation_id === id);

    // Alice signs in on her phone; its app follows its stream and publishes its KeyPackages, nothing more.
    const phone = await live(await newSession(emailOf(alice)));
    const joined = phone.e2ee.once("joined", (join) => join.conversation_id === id);
    await ready(phone);

    // The laptop hears of the phone on its stream and adds it; the phone joins from the Welcome in its mailbox.
    expect(await synced).toEqual({ conversation_id: id, added: [idOf(phone)], removed: [] });
    await joined;
    expect(await phone.e2ee.hasGroup(id)).toBe(true);
    const stored = (await bob.api.messages.list(id, { limit: 100 })).messages;
    expect(stored.map((m) => m.content_type)).toEqual([MLS_COMMIT, MLS_COMMIT]); // the creation and the laptop's add: nobody sent

    // Bob opens the chat and writes: his own check finds the phone there already, and the phone reads him.
    const bobChat = bob.encryptedChat(id);
    await bobChat.send({ body: "hello to both of your devices" });
    bobChat.close();
    expect(await commitsIn(bob, id)).toHaveLength(2);
    expect(bodies(await read(phone, id))).toEqual(["hello to both of your devices"]);
  });

  it("Alice's phone signing out loses its leaf at once: Bob's next message cannot be opened with the phone's stored keys", async ({ expect }) => {
    const alice = await live(await ready(await signedUpClient()));
    const phoneStore = new MemorySecretStore();
    const phone = nodeClient({ secretStore: phoneStore });
    await phone.api.auth.login({ email: emailOf(alice), password: "correct horse battery staple" });
    await ready(phone);
    const bob = await ready(await signedUpClient());
    // Created with every device of both users: the phone is a leaf from the start.
    const { id } = await alice.e2ee.createConversation({ type: "direct", member_ids: [bob.userId ?? ""] });
    await joinFromMailbox(bob);
    await joinFromMailbox(phone);
    const phoneId = idOf(phone);
    const commits = await commitsIn(bob, id);
    const joinedAt = commits.length;
    const joinSeq = commits.at(-1)?.seq ?? 0;
    const synced = alice.e2ee.once("devices_synced", (change) => change.conversation_id === id);

    await phone.api.auth.logout();
    expect(await synced).toEqual({ conversation_id: id, added: [], removed: [phoneId] });
    expect(await commitsIn(bob, id)).toHaveLength(joinedAt + 1);

    // Bob opens the chat and writes (his check applies the laptop's removal and changes nothing more).
    const bobChat = bob.encryptedChat(id);
    await bobChat.send({ body: "after the phone signed out" });
    bobChat.close();
    expect(await commitsIn(bob, id)).toHaveLength(joinedAt + 1);
    expect(bodies(await read(alice, id))).toEqual(["after the phone signed out"]);
    // Whoever holds the phone and its stored keys, signed in anew and handed the ciphertext, cannot open it.
    const thief = nodeClient({ secretStore: phoneStore });
    await thief.api.auth.login({ email: emailOf(alice), password: "correct horse battery staple" });
    const after = (await thief.api.messages.list(id, { limit: 100 })).messages.filter((m) => m.seq > joinSeq);
    expect(bodies(await thief.e2ee.ingest(id, after))).toEqual(["undecryptable"]);
  });
});
