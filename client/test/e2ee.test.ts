import { describe, it } from "vitest";
import { ApiError, type KeyChange } from "../src/index";
import { fromBase64Url, toBase64Url } from "../src/e2ee/bytes";
import { MLS_APPLICATION } from "../src/e2ee/conversation-group";
import { bodies, joinFromMailbox, read, ready, sendText } from "./helpers/e2ee";
import { newSession, nodeClient, signedUpClient } from "./helpers/users";

/**
 * End-to-end encryption against the real stack: the SDK's MLS groups over the server's KeyPackage
 * directory, epoch-gated rooms and device mailboxes. Alice has two devices; Bob and Carol one each.
 */

async function people() {
  const alice = await ready(await signedUpClient());
  const alice2 = await ready(await newSession(alice.session.current?.user?.email ?? ""));
  const bob = await ready(await signedUpClient());
  const carol = await ready(await signedUpClient());
  return { alice, alice2, bob, carol };
}

describe("end-to-end encryption through the real stack", () => {
  it("a direct chat reaches both of Alice's devices and Bob; the server stores ciphertext only and refuses a body", async ({ expect }) => {
    const { alice, alice2, bob } = await people();
    expect(alice2.deviceId).not.toBe(alice.deviceId);
    const conversation = await alice.e2ee.createConversation({ type: "direct", member_ids: [bob.userId ?? ""] });
    expect(conversation.encryption).toBe("mls");
    await joinFromMailbox(bob);
    await joinFromMailbox(alice2);
    const canary = `canary-${crypto.randomUUID()}`;
    const stored = await sendText(alice, conversation.id, canary);
    expect(stored.body).toBeNull();
    expect(stored.ciphertext).not.toContain(canary);
    expect(bodies(await read(bob, conversation.id))).toEqual([canary]);
    expect(bodies(await read(alice2, conversation.id))).toEqual([canary]);
    expect(bodies(await read(alice, conversation.id))).toEqual([canary]);
    // A buggy client cannot send plaintext into an encrypted room.
    const refused = await alice.api.messages.send(conversation.id, { client_id: crypto.randomUUID(), body: canary }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ApiError);
    expect((refused as ApiError).status).toBe(400);
  });

  it("a flipped ciphertext byte reads as 'undecryptable', and the next message still decrypts", async ({ expect }) => {
    const alice = await ready(await signedUpClient());
    const bob = await ready(await signedUpClient());
    const conversation = await alice.e2ee.createConversation({ type: "direct", member_ids: [bob.userId ?? ""] });
    await joinFromMailbox(bob);
    const sealed = await alice.e2ee.encrypt(conversation.id, { kind: "text", body: "tampered in transit" });
    const bytes = fromBase64Url(sealed.ciphertext) ?? new Uint8Array();
    bytes[bytes.length - 10] = (bytes[bytes.length - 10] ?? 0) ^ 0x40;
    await alice.api.messages.send(conversation.id, {
      client_id: sealed.client_id,
      content_type: MLS_APPLICATION,
      ciphertext: toBase64Url(bytes),
      epoch: sealed.epoch,
    });
    await sendText(alice, conversation.id, "intact");
    expect(bodies(await read(bob, conversation.id))).toEqual(["undecryptable", "intact"]);
  });

  it("two racing commits: the room stores one, the other device applies it and retries, both converge", async ({ expect }) => {
    const { alice, bob, carol } = await people();
    const dave = await ready(await signedUpClient());
    const { conversation } = await alice.api.conversations.create({ type: "group", name: "race", member_ids: [bob.userId ?? ""], encryption: "mls" });
    // Alice's group with Bob, then Alice adds Carol while Bob adds Dave, at the same moment from the same epoch.
    await alice.e2ee.createConversationGroup(conversation.id, [bob.userId ?? ""]);
    await joinFromMailbox(bob);
    await alice.api.conversations.addMembers(conversation.id, { user_ids: [carol.userId ?? "", dave.userId ?? ""] });
    const epochBefore = await alice.e2ee.epoch(conversation.id);
    await Promise.all([alice.e2ee.addDevices(conversation.id, [carol.userId ?? ""]), bob.e2ee.addDevices(conversation.id, [dave.userId ?? ""])]);
    await alice.e2ee.catchUp(conversation.id);
    await bob.e2ee.catchUp(conversation.id);
    expect(await alice.e2ee.epoch(conversation.id)).toBe((epochBefore ?? 0) + 2);
    expect(await bob.e2ee.epoch(conversation.id)).toBe(await alice.e2ee.epoch(conversation.id));
    const { mls_group } = await alice.api.mls.group(conversation.id);
    expect(mls_group.epoch).toBe(await alice.e2ee.epoch(conversation.id));
    await joinFromMailbox(carol);
    await joinFromMailbox(dave);
    await sendText(bob, conversation.id, "everyone reads this");
    for (const reader of [alice, carol, dave]) expect(bodies(await read(reader, conversation.id))).toContain("everyone reads this");
  });

  it("a removed member cannot read what is sent after the removal", async ({ expect }) => {
    const { alice, bob, carol } = await people();
    const { conversation } = await alice.api.conversations.create({
      type: "group",
      name: "removal",
      member_ids: [bob.userId ?? "", carol.userId ?? ""],
      encryption: "mls",
    });
    await alice.e2ee.createConversationGroup(conversation.id, [bob.userId ?? "", carol.userId ?? ""]);
    await joinFromMailbox(bob);
    await joinFromMailbox(carol);
    await sendText(alice, conversation.id, "before");
    expect(bodies(await read(carol, conversation.id))).toEqual(["before"]);
    await alice.e2ee.removeMember(conversation.id, carol.userId ?? "");
    const after = await sendText(alice, conversation.id, "after carol left");
    expect(bodies(await read(bob, conversation.id))).toEqual(["before", "after carol left"]);
    // Carol can no longer fetch it; even handed the stored ciphertext, her device cannot open it.
    await expect(carol.api.messages.list(conversation.id)).rejects.toBeInstanceOf(ApiError);
    const [opened] = await carol.e2ee.ingest(conversation.id, [after]);
    expect(opened?.status).toBe("undecryptable");
  });

  it("a substituted KeyPackage (another signing key for a pinned device) raises key_changed", async ({ expect }) => {
    const alice = await ready(await signedUpClient());
    const bob = await ready(await signedUpClient());
    const first = await alice.e2ee.createConversation({ type: "group", name: "first", member_ids: [bob.userId ?? ""] });
    await joinFromMailbox(bob);
    expect(await alice.e2ee.safetyNumber(first.id, bob.userId ?? "")).toMatch(/^\d{60}$/);
    // Bob's device now presents packages made with another key (a reinstall, or a directory substituting them).
    const sameDevice = nodeClient({ deviceId: bob.deviceId ?? "" });
    await sameDevice.api.auth.login({ email: bob.session.current?.user?.email ?? "", password: "correct horse battery staple" });
    expect(sameDevice.deviceId).toBe(bob.deviceId);
    await sameDevice.e2ee.publishKeyPackages();
    const changes: KeyChange[] = [];
    alice.e2ee.on("key_changed", (change) => changes.push(change));
    await alice.e2ee.createConversation({ type: "group", name: "second", member_ids: [bob.userId ?? ""] });
    expect(changes).toEqual([expect.objectContaining({ user_id: bob.userId, device_id: bob.deviceId })]);
  });
});
