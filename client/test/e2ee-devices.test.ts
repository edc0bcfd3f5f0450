import { describe, it } from "vitest";
import { ApiError, MemorySecretStore } from "../src/index";
import { MLS_APPLICATION, MLS_COMMIT } from "../src/e2ee/conversation-group";
import { bodies, commitsIn, idOf, joinFromMailbox, read, ready, sendText } from "./helpers/e2ee";
import { newSession, nodeClient, signedUpClient } from "./helpers/users";

/**
 * A member's devices follow the conversation's MLS group, against the real stack: a device signed in
 * after the conversation existed is added by whichever member's client checks first (on opening the
 * conversation, or before a send), gets its Welcome through its mailbox and reads what is sent from
 * then on; a removed device's leaf goes at the next check; a non-member's device is never added.
 */

describe("a member's devices join and leave their encrypted conversations", () => {
  it("Alice's new device joins when Bob opens the chat, reads his next message and sends; once removed it reads nothing more", async ({ expect }) => {
    const alice = await ready(await signedUpClient());
    const bob = await ready(await signedUpClient());
    const { id } = await alice.e2ee.createConversation({ type: "direct", member_ids: [bob.userId ?? ""] });
    await joinFromMailbox(bob);
    await sendText(alice, id, "before the new phone");

    // Alice signs in on a second device, which publishes its KeyPackages (what the app does at sign-in).
    const email = alice.session.current?.user?.email ?? "";
    const phoneStore = new MemorySecretStore();
    const phone = nodeClient({ secretStore: phoneStore });
    await phone.api.auth.login({ email, password: "correct horse battery staple" });
    await ready(phone);
    expect(await phone.e2ee.hasGroup(id)).toBe(false);

    // Bob opens the conversation and writes: his client checks the members' devices first and adds the phone.
    const bobChat = bob.encryptedChat(id);
    await bobChat.send({ body: "hello to both of your devices" });
    bobChat.close();
    expect(await commitsIn(bob, id)).toHaveLength(2); // the creation, and the one that added the phone
    await joinFromMailbox(phone);
    expect(await phone.e2ee.hasGroup(id)).toBe(true);
    // The phone sees what came after its join; MLS gives it no keys for earlier epochs, so earlier messages are not shown.
    const phoneRead = await read(phone, id);
    expect(bodies(phoneRead)).toEqual(["hello to both of your devices"]);

    await sendText(phone, id, "from my new phone");
    const all = ["before the new phone", "hello to both of your devices", "from my new phone"];
    expect(bodies(await read(alice, id))).toEqual(all);
    expect(bodies(await read(bob, id))).toEqual(all);
    // Alice's first device checks too: the phone is there already, so it commits nothing (no second add).
    expect(await alice.e2ee.syncDevices(id)).toEqual({ added: [], removed: [] });
    expect(await commitsIn(alice, id)).toHaveLength(2);

    // Alice removes the phone (lost). Bob opens the conversation again: his check removes its leaf before he sends.
    await alice.api.users.removeDevice(phone.deviceId ?? "");
    const again = bob.encryptedChat(id);
    await again.send({ body: "after the phone was removed" });
    again.close();
    expect(bodies(await read(alice, id))).toEqual([...all, "after the phone was removed"]);
    // The phone's session ended with the device. Whoever holds it and its stored keys, signed in anew and handed
    // the stored ciphertext (the removing commit included), still cannot open what came after.
    await expect(phone.api.messages.list(id)).rejects.toBeInstanceOf(ApiError);
    const later = (await bob.api.messages.list(id, { after_seq: Math.max(...phoneRead.map((m) => m.seq)), limit: 100 })).messages;
    expect(later.map((m) => m.content_type)).toEqual([MLS_APPLICATION, MLS_COMMIT, MLS_APPLICATION]);
    const thief = nodeClient({ secretStore: phoneStore });
    await thief.api.auth.login({ email, password: "correct horse battery staple" });
    expect(bodies(await thief.e2ee.ingest(id, later))).toEqual(["from my new phone", "undecryptable"]);
  });

  it("Bob and Alice's first device notice the new device at once: the room stores one add, the loser applies it and adds nothing", async ({ expect }) => {
    const alice = await ready(await signedUpClient());
    const bob = await ready(await signedUpClient());
    const { id } = await alice.e2ee.createConversation({ type: "direct", member_ids: [bob.userId ?? ""] });
    await joinFromMailbox(bob);
    const phone = await ready(await newSession(alice.session.current?.user?.email ?? ""));

    const changes = await Promise.all([alice.e2ee.syncDevices(id), bob.e2ee.syncDevices(id)]);
    expect(changes.map((c) => c.added).flat()).toEqual([idOf(phone)]);
    expect(await commitsIn(bob, id)).toHaveLength(2);
    await alice.e2ee.catchUp(id);
    await bob.e2ee.catchUp(id);
    expect(await alice.e2ee.epoch(id)).toBe(await bob.e2ee.epoch(id));
    // One Welcome reached the phone, from whichever device won.
    const { entries } = await phone.api.devices.mailbox();
    expect(entries).toHaveLength(1);
    await joinFromMailbox(phone);
    await sendText(bob, id, "one add, three devices");
    for (const reader of [alice, phone]) expect(bodies(await read(reader, id))).toEqual(["one add, three devices"]);
  });

  it("a device that signs out leaves the group at the next check; a new sign-in is added at the one after", async ({ expect }) => {
    const alice = await ready(await signedUpClient());
    const bob = await ready(await signedUpClient());
    const laptop = await ready(await newSession(bob.session.current?.user?.email ?? ""));
    const { id } = await alice.e2ee.createConversation({ type: "group", name: "sign-out", member_ids: [bob.userId ?? ""] });
    await joinFromMailbox(bob);
    await joinFromMailbox(laptop);
    const laptopDevice = laptop.deviceId ?? "";

    await laptop.api.auth.logout();
    expect(await alice.e2ee.syncDevices(id)).toEqual({ added: [], removed: [{ userId: bob.userId, deviceId: laptopDevice }] });

    const back = await ready(await newSession(bob.session.current?.user?.email ?? ""));
    expect(back.deviceId).not.toBe(laptopDevice); // a new client instance: a new device
    expect(await alice.e2ee.syncDevices(id)).toEqual({ added: [idOf(back)], removed: [] });
    await joinFromMailbox(back);
    await sendText(alice, id, "welcome back");
    expect(bodies(await read(back, id))).toEqual(["welcome back"]);
  });

  it("Bob's client adds no device of a non-member, even one the directory would hand him; a leaf of a departed member is removed", async ({ expect }) => {
    const alice = await ready(await signedUpClient());
    const bob = await ready(await signedUpClient());
    const carol = await ready(await signedUpClient());
    const mallory = await ready(await signedUpClient());
    // Bob and Mallory share another conversation, so the KeyPackage directory and Mallory's mailbox would serve Bob.
    await bob.api.conversations.create({ type: "group", name: "elsewhere", member_ids: [mallory.userId ?? ""] });
    const { id } = await alice.e2ee.createConversation({ type: "group", name: "members only", member_ids: [bob.userId ?? "", carol.userId ?? ""] });
    await joinFromMailbox(bob);
    await joinFromMailbox(carol);

    const epoch = await bob.e2ee.epoch(id);
    const packages = await mallory.api.mls.keyPackageCount();
    expect(await bob.e2ee.addDevices(id, [mallory.userId ?? ""])).toEqual([]);
    expect(await bob.e2ee.epoch(id)).toBe(epoch);
    expect((await bob.api.mls.group(id)).mls_group.epoch).toBe(epoch);
    expect(await mallory.api.mls.keyPackageCount()).toEqual(packages); // not even claimed
    expect((await mallory.api.devices.mailbox()).entries).toEqual([]);

    // Carol leaves through the plain API (her client never removed her leaf): the next check by a member removes it.
    await carol.api.conversations.removeMember(id, carol.userId ?? "");
    expect(await bob.e2ee.syncDevices(id)).toEqual({ added: [], removed: [idOf(carol)] });
    // Alice's device applies Bob's commit (her open chat's socket would deliver it) before she writes.
    await alice.e2ee.catchUp(id);
    const after = await sendText(alice, id, "after carol left");
    expect(bodies(await read(bob, id))).toContain("after carol left");
    const commit = (await commitsIn(alice, id)).at(-1);
    expect(bodies(await carol.e2ee.ingest(id, commit ? [commit, after] : [after]))).toEqual(["undecryptable"]);
  });
});
