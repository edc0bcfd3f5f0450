import { IDBFactory } from "fake-indexeddb";
import { describe, it } from "vitest";
import { indexedDbStores, MemorySecretStore, safetyNumber, formatSafetyNumber, foldTimeline, type Message } from "../src/index";
import { fromBase64Url, toBase64Url, utf8 } from "../src/e2ee/bytes";
import { ConversationGroup, MLS_APPLICATION, MLS_COMMIT } from "../src/e2ee/conversation-group";
import { tsMlsEngine as engine } from "../src/e2ee/mls-adapter";
import type { LeafMember, MlsGroup } from "../src/e2ee/mls-engine";
import { TrustStore } from "../src/e2ee/trust";

/**
 * The E2EE layer without a network: the MLS adapter, one conversation's group handling messages in
 * the room's order, the sealed store and trust. The same scenarios run against the real stack in
 * e2ee.test.ts and in Chromium (browser/e2ee.browser.test.ts).
 */

interface Device extends LeafMember {
  store: MemorySecretStore;
  identity: Awaited<ReturnType<typeof engine.generateIdentity>>;
}

async function device(userId: string, deviceId: string): Promise<Device> {
  return { userId, deviceId, store: new MemorySecretStore(), identity: await engine.generateIdentity() };
}

const keyPackage = (d: Device) => engine.createKeyPackage(d.identity, d);

/** A tiny stand-in for the room's log: seq order and the stored message shape. */
class Log {
  readonly messages: Message[] = [];
  append(sender: string, contentType: string, bytes: Uint8Array, epoch: number, clientId = `c${this.messages.length + 1}`): Message {
    const message: Message = {
      id: `m${this.messages.length + 1}`,
      conversation_id: "conv",
      seq: this.messages.length + 1,
      sender_id: sender,
      client_id: clientId,
      content_type: contentType,
      body: null,
      ciphertext: toBase64Url(bytes),
      attachments: [],
      reply_to_seq: null,
      epoch,
      reactions: [],
      created_at: new Date().toISOString(),
      edited_at: null,
      deleted: false,
    };
    this.messages.push(message);
    return message;
  }
}

const noCommitHook = async (_next: MlsGroup) => undefined;

/** Alice's group with Bob joined from the Welcome, both at epoch 1 after the first commit (seq 1). */
async function pair() {
  const alice = await device("alice", "a1");
  const bob = await device("bob", "b1");
  const log = new Log();
  const aGroup = await engine.createGroup("conv", await keyPackage(alice));
  const bobKp = await keyPackage(bob);
  const added = await aGroup.commit({ add: [bobKp.publicBytes], removeLeaves: [] });
  const commit = log.append("alice", MLS_COMMIT, added.commit, 0);
  const a = await ConversationGroup.adopt("conv", engine, alice.store, added.next, commit.seq);
  if (!added.welcome) throw new Error("no welcome");
  const b = await ConversationGroup.adopt("conv", engine, bob.store, await engine.joinFromWelcome(added.welcome, bobKp), commit.seq);
  return { alice, bob, log, a, b };
}

async function sendText(group: ConversationGroup, log: Log, sender: Device, body: string): Promise<Message> {
  const clientId = `c-${Math.random()}`;
  const sealed = await group.encrypt(clientId, { v: 1, device_id: sender.deviceId, content: { kind: "text", body } });
  return log.append(sender.userId, MLS_APPLICATION, fromBase64Url(sealed.ciphertext) ?? new Uint8Array(), sealed.epoch, clientId);
}

describe("E2EE without a network", () => {
  it("a message reaches the other member decrypted, and the sender's own copy reads back from its records", async ({ expect }) => {
    const { alice, bob, log, a, b } = await pair();
    const sent = await sendText(a, log, alice, "hello bob");
    expect(sent.ciphertext).not.toContain("hello");
    const [got] = await b.ingest(log.messages, bob.userId, noCommitHook);
    expect(got).toMatchObject({ seq: sent.seq, status: "ok", sender_id: "alice", sender_device_id: "a1", content: { kind: "text", body: "hello bob" } });
    const [own] = await a.ingest(log.messages, alice.userId, noCommitHook);
    expect(own).toMatchObject({ status: "ok", content: { body: "hello bob" } });
    // Handled once: the same message again comes from the record, not a second decryption (its key is gone).
    const [again] = await b.ingest([sent], bob.userId, noCommitHook);
    expect(again?.content).toEqual({ kind: "text", body: "hello bob" });
  });

  it("a flipped ciphertext byte is 'undecryptable', never garbled text, and the next message still decrypts", async ({ expect }) => {
    const { alice, bob, log, a, b } = await pair();
    const sent = await sendText(a, log, alice, "do not garble me");
    const raw = fromBase64Url(sent.ciphertext ?? "") ?? new Uint8Array(8);
    raw[raw.length - 3] = (raw[raw.length - 3] ?? 0) ^ 0x01;
    sent.ciphertext = toBase64Url(raw);
    const later = await sendText(a, log, alice, "after the damage");
    const out = await b.ingest(log.messages, bob.userId, noCommitHook);
    expect(out.map((m) => [m.seq, m.status, m.content])).toEqual([
      [sent.seq, "undecryptable", null],
      [later.seq, "ok", { kind: "text", body: "after the damage" }],
    ]);
  });

  it("two racing commits: the room keeps the first; the loser applies it, commits again, and both converge", async ({ expect }) => {
    const { alice, bob, log, a, b } = await pair();
    const carol = await device("carol", "c1");
    const dave = await device("dave", "d1");
    const [carolKp, daveKp] = [await keyPackage(carol), await keyPackage(dave)];
    const fromAlice = await a.group.commit({ add: [carolKp.publicBytes], removeLeaves: [] });
    const fromBob = await b.group.commit({ add: [daveKp.publicBytes], removeLeaves: [] });
    expect(a.group.epoch).toBe(b.group.epoch); // both made for the same epoch: only one may be stored
    const won = log.append("alice", MLS_COMMIT, fromAlice.commit, a.group.epoch);
    await a.adoptCommit(fromAlice.next, won.seq);
    // Both would lead to the same epoch number with different keys: a fork, which the room's gate prevents.
    expect(fromBob.next.epoch).toBe(fromAlice.next.epoch);
    await expect(a.group.processCommit(fromBob.commit, "bob")).rejects.toThrow();
    // Bob's was refused (409): he drops it, catches up, and makes his change again at the new epoch.
    await b.ingest(log.messages, bob.userId, noCommitHook);
    expect(b.group.epoch).toBe(a.group.epoch);
    const retried = await b.group.commit({ add: [daveKp.publicBytes], removeLeaves: [] });
    const second = log.append("bob", MLS_COMMIT, retried.commit, b.group.epoch);
    await b.adoptCommit(retried.next, second.seq);
    await a.ingest(log.messages, alice.userId, noCommitHook);
    expect(a.group.epoch).toBe(b.group.epoch);
    expect(
      a.group
        .members()
        .map((m) => m.userId)
        .sort(),
    ).toEqual(["alice", "bob", "carol", "dave"]);
    const sent = await sendText(b, log, bob, "converged");
    const out = await a.ingest(log.messages, alice.userId, noCommitHook);
    expect(out.find((m) => m.seq === sent.seq)?.content).toEqual({ kind: "text", body: "converged" });
  });

  it("a removed member cannot read what is sent after the removal", async ({ expect }) => {
    const { alice, bob, log, a, b } = await pair();
    const before = await sendText(a, log, alice, "bob may read this");
    const bobLeaf = a.group.members().find((m) => m.userId === "bob")?.leaf ?? -1;
    const removal = await a.group.commit({ add: [], removeLeaves: [bobLeaf] });
    const stored = log.append("alice", MLS_COMMIT, removal.commit, a.group.epoch);
    await a.adoptCommit(removal.next, stored.seq);
    const after = await sendText(a, log, alice, "secret after removal");
    const out = await b.ingest(log.messages, bob.userId, noCommitHook);
    expect(out.map((m) => [m.seq, m.status])).toEqual([
      [before.seq, "ok"],
      [after.seq, "undecryptable"],
    ]);
    expect(JSON.stringify(out)).not.toContain("secret after removal");
  });

  it("a device that lost its state rejoins by External Commit from the GroupInfo: its old leaf is replaced, and both read each other", async ({ expect }) => {
    const { alice, log, a } = await pair();
    // Bob's store is gone: a new identity, and only the GroupInfo (which the room keeps) to start from.
    const reborn = await device("bob", "b1");
    const joined = await engine.joinExternal(await a.group.groupInfo(), await keyPackage(reborn));
    expect(joined.replacedLeaf).toBe(1);
    const commit = log.append("bob", MLS_COMMIT, joined.commit, a.group.epoch);
    const b = await ConversationGroup.adopt("conv", engine, reborn.store, joined.next, commit.seq);
    await a.ingest([commit], alice.userId, noCommitHook);
    expect(a.group.epoch).toBe(b.group.epoch);
    expect(a.group.members().map((m) => [m.userId, m.deviceId, m.signatureKey])).toEqual([
      ["alice", "a1", alice.identity.publicKey],
      ["bob", "b1", reborn.identity.publicKey],
    ]);
    const hello = await sendText(a, log, alice, "welcome back");
    expect((await b.ingest([hello], reborn.userId, noCommitHook)).map((m) => m.content)).toEqual([{ kind: "text", body: "welcome back" }]);
    const reply = await sendText(b, log, reborn, "glad to be back");
    expect((await a.ingest([reply], alice.userId, noCommitHook)).map((m) => m.content)).toEqual([{ kind: "text", body: "glad to be back" }]);
  });

  it("a commit applies only from a leaf of the user the room says sent it: a forged External Commit and a relabelled commit change nothing", async ({
    expect,
  }) => {
    const { log, a, b } = await pair();
    const epoch = b.group.epoch;
    // Mallory holds the GroupInfo and "rejoins" as Alice's device (a key of hers, Alice's credential).
    const forged = await engine.joinExternal(await a.group.groupInfo(), await keyPackage(await device("alice", "a1")));
    await b.ingest([log.append("mallory", MLS_COMMIT, forged.commit, epoch)], "bob", noCommitHook);
    // A commit from Alice's leaf that the room attributes to someone else.
    const added = await a.group.commit({ add: [(await keyPackage(await device("carol", "c1"))).publicBytes], removeLeaves: [] });
    await b.ingest([log.append("mallory", MLS_COMMIT, added.commit, epoch)], "bob", noCommitHook);
    expect(b.group.epoch).toBe(epoch);
    expect(b.group.members().map((m) => m.userId)).toEqual(["alice", "bob"]);
  });

  it("group state survives a reload through the sealed IndexedDB store, which holds no readable key material", async ({ expect }) => {
    const factory = new IDBFactory();
    const stores = indexedDbStores({ name: "e2ee-unit", indexedDB: factory });
    const alice = await device("alice", "a1");
    const bob = await device("bob", "b1");
    const log = new Log();
    const bobKp = await keyPackage(bob);
    const created = await engine.createGroup("conv", await keyPackage(alice));
    const added = await created.commit({ add: [bobKp.publicBytes], removeLeaves: [] });
    log.append("alice", MLS_COMMIT, added.commit, 0);
    if (!added.welcome) throw new Error("no welcome");
    await ConversationGroup.adopt("conv", engine, stores.secrets, await engine.joinFromWelcome(added.welcome, bobKp), 1);
    const a = await ConversationGroup.adopt("conv", engine, alice.store, added.next, 1);
    await sendText(a, log, alice, "after the reload");
    // A new tab: the same database, a fresh store object.
    const reopened = await ConversationGroup.load("conv", engine, indexedDbStores({ name: "e2ee-unit", indexedDB: factory }).secrets);
    const out = await reopened?.ingest(log.messages, bob.userId, noCommitHook);
    expect(out?.[0]?.content).toEqual({ kind: "text", body: "after the reload" });
    // What IndexedDB holds is sealed: the raw record does not contain the state's bytes in the clear.
    const raw = await new Promise<unknown>((resolve, reject) => {
      const open = factory.open("e2ee-unit");
      open.onsuccess = () => {
        const request = open.result.transaction("e2ee").objectStore("e2ee").get("v:group:conv");
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error ?? new Error("read failed"));
      };
    });
    expect(raw).toBeInstanceOf(Uint8Array);
    expect(utf8.decode(raw as Uint8Array)).not.toContain("processed_seq");
  });

  it("trust on first use: the first key is pinned, a substituted one is reported as changed until accepted", async ({ expect }) => {
    const trust = new TrustStore(new MemorySecretStore());
    const [first, substitute] = [await engine.generateIdentity(), await engine.generateIdentity()];
    expect((await trust.check("bob", "b1", first.publicKey)).result).toBe("new");
    expect((await trust.check("bob", "b1", first.publicKey)).result).toBe("same");
    const changed = await trust.check("bob", "b1", substitute.publicKey);
    expect(changed.result).toBe("changed");
    expect(changed.change).toMatchObject({ user_id: "bob", device_id: "b1" });
    expect((await trust.check("bob", "b1", substitute.publicKey)).result).toBe("changed");
    await trust.accept("bob", "b1", substitute.publicKey);
    expect((await trust.check("bob", "b1", substitute.publicKey)).result).toBe("same");
  });

  it("safety numbers: 60 digits, the same on both sides, different when a key changes", async ({ expect }) => {
    const [a, b, c] = [await engine.generateIdentity(), await engine.generateIdentity(), await engine.generateIdentity()];
    const alice = { userId: "alice", keys: [a.publicKey] };
    const bob = { userId: "bob", keys: [b.publicKey] };
    const number = await safetyNumber(alice, bob);
    expect(number).toMatch(/^\d{60}$/);
    expect(await safetyNumber(bob, alice)).toBe(number);
    expect(await safetyNumber(alice, { userId: "bob", keys: [c.publicKey] })).not.toBe(number);
    expect(formatSafetyNumber(number).split(" ")).toHaveLength(12);
  });

  it("a KeyPackage names its device; a forged credential does not pass as another user's", async ({ expect }) => {
    const mallory = await device("mallory", "m1");
    const kp = await keyPackage({ ...mallory, userId: "bob", deviceId: "b1" });
    const inspected = await engine.inspectKeyPackage(kp.publicBytes);
    // The credential says bob/b1, but the key is Mallory's: the pin (not the name) is what catches it.
    expect(inspected).toMatchObject({ userId: "bob", deviceId: "b1" });
    expect(await engine.inspectKeyPackage(utf8.encode("not a key package"))).toBeNull();
  });

  it("timeline: edits by the author and reactions fold into their message; others' edits do not", ({ expect }) => {
    const base = { id: "x", client_id: "c", created_at: "t", attachments: [], sender_device_id: "d", status: "ok" as const };
    const items = foldTimeline([
      { ...base, seq: 1, sender_id: "alice", content: { kind: "text", body: "helo" } },
      { ...base, seq: 2, sender_id: "alice", content: { kind: "edit", target_seq: 1, body: "hello" } },
      { ...base, seq: 3, sender_id: "bob", content: { kind: "edit", target_seq: 1, body: "hacked" } },
      { ...base, seq: 4, sender_id: "bob", content: { kind: "reaction", target_seq: 1, emoji: "👍", on: true } },
      { ...base, seq: 5, sender_id: "bob", content: { kind: "text", body: "reply", reply_to_seq: 1 } },
      { ...base, seq: 6, sender_id: "bob", status: "undecryptable", content: null },
    ]);
    expect(items.map((i) => [i.seq, i.body, i.edited, i.reply_to_seq, i.status])).toEqual([
      [1, "hello", true, null, "ok"],
      [5, "reply", false, 1, "ok"],
      [6, null, false, null, "undecryptable"],
    ]);
    expect(items[0]?.reactions).toEqual([{ emoji: "👍", user_ids: ["bob"] }]);
  });
});
