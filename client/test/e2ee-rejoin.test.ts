import { describe, it } from "vitest";
import { MemorySecretStore, type KeyChange, type SecureConnectClient } from "../src/index";
import { fromBase64Url, toBase64Url } from "../src/e2ee/bytes";
import { MLS_COMMIT } from "../src/e2ee/conversation-group";
import { tsMlsEngine } from "../src/e2ee/mls-adapter";
import type { LeafMember } from "../src/e2ee/mls-engine";
import type { FetchLike } from "../src/http";
import { bodies, commitsIn, joinFromMailbox, read, ready, sendText } from "./helpers/e2ee";
import { newSession, sameSession, signedUpClient } from "./helpers/users";
import { until } from "./helpers/wait";

/**
 * A device that lost its MLS state (same session and device id, an empty secret store: a cleared
 * browser) rejoins its encrypted conversations by External Commit, against the real stack. Alice
 * has two devices and Bob one, in a direct encrypted chat; Alice's second device loses its state.
 */

async function directChat() {
  const alice = await ready(await signedUpClient());
  const alice2 = await ready(await newSession(alice.session.current?.user?.email ?? ""));
  const bob = await ready(await signedUpClient());
  const { id } = await alice.e2ee.createConversation({ type: "direct", member_ids: [bob.userId ?? ""] });
  await joinFromMailbox(bob);
  await joinFromMailbox(alice2);
  return { alice, alice2, bob, id };
}

/** The same device signed in (its tokens), with nothing of its E2EE state left. */
const lostState = (device: SecureConnectClient, fetch?: FetchLike) =>
  sameSession(device, { secretStore: new MemorySecretStore(), ...(fetch ? { fetch } : {}) });

/** An External Commit made outside the SDK from the room's GroupInfo, for a leaf naming `leaf` (a forger's own key). */
async function forgedExternalCommit(groupInfo: string | null, leaf: LeafMember): Promise<string> {
  const identity = await tsMlsEngine.generateIdentity();
  const made = await tsMlsEngine.joinExternal(fromBase64Url(groupInfo ?? "") ?? new Uint8Array(), await tsMlsEngine.createKeyPackage(identity, leaf));
  return toBase64Url(made.commit);
}

describe("a device that lost its MLS state rejoins by External Commit", () => {
  it("opening the chat rejoins: Bob's next message reads there, its own reads on Bob's and Alice's first device, Bob is told its key changed", async ({
    expect,
  }) => {
    const { alice, alice2, bob, id } = await directChat();
    await sendText(bob, id, "before the loss");
    expect(bodies(await read(alice2, id))).toEqual(["before the loss"]);
    const numberBefore = await bob.e2ee.safetyNumber(id, alice.userId ?? "");
    const changes: KeyChange[] = [];
    bob.e2ee.on("key_changed", (change) => changes.push(change));

    const restored = lostState(alice2);
    expect(restored.deviceId).toBe(alice2.deviceId);
    expect(await restored.e2ee.hasGroup(id)).toBe(false);
    // Nobody else can tell its leaf is dead: Bob's device check sees the device listed and its leaf present.
    expect(await bob.e2ee.syncDevices(id)).toEqual({ added: [], removed: [] });

    const chat = restored.encryptedChat(id);
    const joinedAt: number[] = [];
    chat.on("joined", ({ seq }) => joinedAt.push(seq));
    await until(() => joinedAt.length > 0, "the restored device rejoined");
    chat.close();
    expect(await restored.e2ee.hasGroup(id)).toBe(true);
    const commits = await commitsIn(bob, id);
    expect(commits.map((c) => c.sender_id)).toEqual([alice.userId, alice.userId]); // the creation, then the rejoin
    expect(joinedAt).toEqual([commits.at(-1)?.seq]);

    // Bob's device applies the External Commit: the old leaf is replaced, and the new key is a change to look at.
    await read(bob, id);
    expect(changes).toEqual([expect.objectContaining({ user_id: alice.userId, device_id: alice2.deviceId })]);
    expect(await bob.e2ee.safetyNumber(id, alice.userId ?? "")).not.toBe(numberBefore);
    expect(await bob.e2ee.syncDevices(id)).toEqual({ added: [], removed: [] }); // one leaf for the device, nothing to fix

    await sendText(bob, id, "after the rejoin");
    // History on the rejoined device starts at its join: the earlier message is not shown.
    expect(bodies(await read(restored, id))).toEqual(["after the rejoin"]);
    await sendText(restored, id, "from the rejoined device");
    expect(bodies(await read(bob, id))).toEqual(["before the loss", "after the rejoin", "from the rejoined device"]);
    expect(bodies(await read(alice, id))).toEqual(["before the loss", "after the rejoin", "from the rejoined device"]);
  });

  it("a commit that lands between fetching the GroupInfo and sending (409) is applied by fetching the newer one; all converge", async ({ expect }) => {
    const { alice, alice2, bob, id } = await directChat();
    const laptop = await ready(await newSession(bob.session.current?.user?.email ?? ""));
    let raced = false;
    // Right after the restored device fetched the GroupInfo, Bob's client adds his new laptop (a commit).
    const racing: FetchLike = async (input, init) => {
      const response = await globalThis.fetch(input, init);
      if (!raced && input.endsWith(`/v1/conversations/${id}/mls`)) {
        raced = true;
        expect((await bob.e2ee.syncDevices(id)).added).toHaveLength(1);
      }
      return response;
    };
    const restored = lostState(alice2, racing);
    expect(await restored.e2ee.rejoin(id)).toBe(true);
    expect(raced).toBe(true);
    // The refused attempt stored nothing: the creation, the laptop's add, the rejoin.
    const commits = await commitsIn(bob, id);
    expect(commits.map((c) => c.sender_id)).toEqual([alice.userId, bob.userId, alice.userId]);
    await joinFromMailbox(laptop);
    for (const device of [alice, bob, laptop]) await device.e2ee.catchUp(id);
    const { mls_group } = await bob.api.mls.group(id);
    for (const device of [alice, bob, laptop, restored]) expect(await device.e2ee.epoch(id)).toBe(mls_group.epoch);
    // The rejoin's commit carried the GroupInfo of the epoch it made, as every commit does: the next rejoin starts there.
    const kept = tsMlsEngine.inspectGroupInfo(fromBase64Url(mls_group.group_info ?? "") ?? new Uint8Array());
    expect(kept?.epoch).toBe(mls_group.epoch);
    expect(kept?.members).toHaveLength(4);

    await sendText(restored, id, "back, after the race");
    for (const device of [alice, bob, laptop]) expect(bodies(await read(device, id))).toContain("back, after the race");
    await sendText(laptop, id, "from the laptop");
    expect(bodies(await read(restored, id))).toEqual(["back, after the race", "from the laptop"]);
  });

  it("a device just added whose chat opens before its Welcome arrives waits for the Welcome: its leaf has its current key", async ({ expect }) => {
    const alice = await ready(await signedUpClient());
    const bob = await ready(await signedUpClient());
    const { id } = await alice.e2ee.createConversation({ type: "direct", member_ids: [bob.userId ?? ""] });
    await sendText(alice, id, "hello, new device");
    // The Welcome is held back (as if still on its way) while Bob's device check runs.
    const { entries } = await bob.api.devices.mailbox();
    await bob.api.devices.ackMailbox({ ids: entries.map((e) => e.id) });
    expect(await bob.e2ee.syncDevices(id)).toEqual({ added: [], removed: [] });
    expect(await bob.e2ee.hasGroup(id)).toBe(false);
    expect(await commitsIn(bob, id)).toHaveLength(1); // no External Commit over the leaf Alice just added
    await bob.e2ee.handleMailbox(entries);
    expect(bodies(await read(bob, id))).toEqual(["hello, new device"]);
  });

  it("a non-member cannot rejoin: the server answers 404 to the SDK and to an External Commit made from a leaked GroupInfo; nothing is stored", async ({
    expect,
  }) => {
    const { alice, bob, id } = await directChat();
    const carol = await ready(await signedUpClient());
    const before = await bob.api.messages.list(id, { limit: 100 });
    const { mls_group } = await bob.api.mls.group(id);

    await expect(carol.e2ee.rejoin(id)).rejects.toMatchObject({ status: 404 });
    const ciphertext = await forgedExternalCommit(mls_group.group_info, { userId: carol.userId ?? "", deviceId: carol.deviceId ?? "" });
    const refused = carol.api.messages.send(id, { client_id: crypto.randomUUID(), content_type: MLS_COMMIT, ciphertext, epoch: mls_group.epoch });
    await expect(refused).rejects.toMatchObject({ status: 404 });
    expect((await bob.api.messages.list(id, { limit: 100 })).messages).toEqual(before.messages);
    expect((await bob.api.mls.group(id)).mls_group.epoch).toBe(mls_group.epoch);
    expect(await carol.e2ee.hasGroup(id)).toBe(false);
    await sendText(alice, id, "still just us");
    expect(bodies(await read(bob, id))).toEqual(["still just us"]);
  });

  it("a member's External Commit whose leaf names another user's device is not applied: that device keeps its leaf and reads on", async ({ expect }) => {
    const alice = await ready(await signedUpClient());
    const bob = await ready(await signedUpClient());
    const mallory = await ready(await signedUpClient());
    const { id } = await alice.e2ee.createConversation({ type: "group", name: "three", member_ids: [bob.userId ?? "", mallory.userId ?? ""] });
    await joinFromMailbox(bob);
    await joinFromMailbox(mallory);
    const changes: KeyChange[] = [];
    bob.e2ee.on("key_changed", (change) => changes.push(change));

    // Mallory, a member, sends an External Commit "rejoining" as Alice's device (its resync removes Alice's leaf).
    const { mls_group } = await mallory.api.mls.group(id);
    const ciphertext = await forgedExternalCommit(mls_group.group_info, { userId: alice.userId ?? "", deviceId: alice.deviceId ?? "" });
    await mallory.api.messages.send(id, { client_id: crypto.randomUUID(), content_type: MLS_COMMIT, ciphertext, epoch: mls_group.epoch });
    // The room cannot read it and stores it; Bob's device refuses it (the room says Mallory sent it).
    await bob.e2ee.catchUp(id);
    await alice.e2ee.catchUp(id);
    expect(changes).toEqual([]);
    expect(await bob.e2ee.epoch(id)).toBe(mls_group.epoch);
    await sendText(alice, id, "still mine");
    expect(bodies(await read(bob, id))).toEqual(["still mine"]);
  });
});
