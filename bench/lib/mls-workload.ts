// The MLS figures of bench/mls.mjs, one workload for Node and Chromium alike: it drives the SDK's
// real adapter (client/src/e2ee/mls-adapter.ts, ts-mls) and times what a device does. bench/fanout.mjs
// --encrypted takes its sample application message from here too, so both use the SDK's bytes.
import { toBase64Url } from "../../client/src/e2ee/bytes";
import { tsMlsEngine as engine } from "../../client/src/e2ee/mls-adapter";
import type { LeafMember, MlsGroup } from "../../client/src/e2ee/mls-engine";
import type { ApplicationPayload } from "../../client/src/e2ee/payload";

export interface MlsWorkloadOptions {
  sizes: number[];
  messages: number;
  bodyBytes: number;
}

const now = (): number => performance.now();

async function member(userId: string, deviceId: string) {
  const who: LeafMember = { userId, deviceId };
  const identity = await engine.generateIdentity();
  return { who, identity, keyPackage: () => engine.createKeyPackage(identity, who) };
}

/** Alice and Bob in one group (epoch 1), each with their own state. */
async function twoMembers(): Promise<{ alice: MlsGroup; bob: MlsGroup }> {
  const [a, b] = [await member("alice", "a1"), await member("bob", "b1")];
  const group = await engine.createGroup("bench", await a.keyPackage());
  const bobKp = await b.keyPackage();
  const added = await group.commit({ add: [bobKp.publicBytes], removeLeaves: [] });
  if (!added.welcome) throw new Error("no Welcome");
  return { alice: added.next, bob: await engine.joinFromWelcome(added.welcome, bobKp) };
}

/** What the SDK encrypts for a text of `chars` characters (conversation-group.ts: the JSON of an ApplicationPayload). */
function textPayload(chars: number, deviceId: string): Uint8Array {
  const payload: ApplicationPayload = { v: 1, device_id: deviceId, content: { kind: "text", body: "x".repeat(chars) } };
  return new TextEncoder().encode(JSON.stringify(payload));
}

/**
 * One real `mls/application` message as the SDK sends it (encrypted-chat.ts): the base64url
 * ciphertext of a text of `chars` characters and the epoch it was made in, for a benchmark that
 * needs the wire shape and size of an encrypted message but not a fresh encryption per send.
 */
export async function sampleApplicationMessage(chars: number) {
  const { alice, bob } = await twoMembers();
  // A device id as the server issues them (a UUIDv7, 36 characters), so the payload has the SDK's size.
  const plaintext = textPayload(chars, crypto.randomUUID());
  const sealed = await alice.encrypt(plaintext);
  // Proof that these are real MLS bytes of this group, not just something of the right length.
  if (!(await bob.decrypt(sealed.ciphertext))) throw new Error("the sample message did not decrypt");
  return { ciphertext: toBase64Url(sealed.ciphertext), epoch: alice.epoch, plaintext_bytes: plaintext.length, ciphertext_bytes: sealed.ciphertext.length };
}

export async function runMlsWorkload(options: MlsWorkloadOptions) {
  let { alice, bob } = await twoMembers();
  // "a1" as in every earlier run of bench:mls, so their plaintext and ciphertext sizes stay comparable.
  const body = textPayload(options.bodyBytes, "a1");
  let encryptMs = 0;
  let decryptMs = 0;
  let ciphertextBytes = 0;
  for (let i = 0; i < options.messages; i++) {
    const t0 = now();
    const sealed = await alice.encrypt(body);
    const t1 = now();
    const opened = await bob.decrypt(sealed.ciphertext);
    const t2 = now();
    if (!opened) throw new Error("a message did not decrypt");
    alice = sealed.next;
    bob = opened.next;
    encryptMs += t1 - t0;
    decryptMs += t2 - t1;
    ciphertextBytes = sealed.ciphertext.length;
  }
  const commits = [];
  for (const size of options.sizes) {
    const pair = await twoMembers();
    const joiners = await Promise.all(Array.from({ length: size }, (_, i) => member(`user${i}`, `d${i}`)));
    const packages = await Promise.all(joiners.map((j) => j.keyPackage()));
    const t0 = now();
    const made = await pair.alice.commit({ add: packages.map((p) => p.publicBytes), removeLeaves: [] });
    const t1 = now();
    await pair.bob.processCommit(made.commit, "alice");
    const t2 = now();
    const first = packages[0];
    if (!made.welcome || !first) throw new Error("no Welcome");
    await engine.joinFromWelcome(made.welcome, first);
    const t3 = now();
    commits.push({
      devices_added: size,
      commit_ms: t1 - t0,
      commit_bytes: made.commit.length,
      welcome_bytes: made.welcome.length,
      apply_at_member_ms: t2 - t1,
      join_from_welcome_ms: t3 - t2,
      group_state_bytes: made.next.export().length,
    });
  }
  return {
    messages: options.messages,
    plaintext_bytes: body.length,
    ciphertext_bytes: ciphertextBytes,
    encrypt_ms: encryptMs / options.messages,
    decrypt_ms: decryptMs / options.messages,
    commits,
  };
}
