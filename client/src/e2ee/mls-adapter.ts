import {
  createApplicationMessage,
  createCommit,
  createGroup,
  decodeGroupState,
  decodeMlsMessage,
  defaultCapabilities,
  defaultLifetime,
  emptyPskIndex,
  encodeGroupState,
  encodeMlsMessage,
  generateKeyPackageWithKey,
  getCiphersuiteFromName,
  getCiphersuiteImpl,
  joinGroup,
  processPrivateMessage,
  type CiphersuiteImpl,
  type ClientState,
  type KeyPackage,
  type MLSMessage,
  type PrivateKeyPackage,
  type Proposal,
} from "ts-mls";
import { defaultClientConfig } from "ts-mls/clientConfig.js";
import { makeKeyPackageRef } from "ts-mls/keyPackage.js";
import type { GroupCommit, KeyPackageBundle, LeafMember, MlsEngine, MlsGroup, NewKeyPackage, SigningIdentity } from "./mls-engine";
import { concatBytes, frame, readFrames, toHex, utf8 } from "./bytes";

/**
 * The only file that imports ts-mls (1.6.4, suite MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519). The
 * SDK sees `MlsEngine` / `MlsGroup` and opaque bytes (RFC 9420 wire encodings for everything that
 * leaves the device), so another MLS implementation can replace this one without a protocol change.
 */
const SUITE = "MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519" as const;

let suite: Promise<CiphersuiteImpl> | null = null;
const impl = (): Promise<CiphersuiteImpl> => (suite ??= getCiphersuiteImpl(getCiphersuiteFromName(SUITE)));

/** A leaf's credential names one device of one user: "<user_id>:<device_id>" (user ids have no ':'). */
function credentialOf(member: LeafMember) {
  return { credentialType: "basic" as const, identity: utf8.encode(`${member.userId}:${member.deviceId}`) };
}

function memberOf(identity: Uint8Array): LeafMember | null {
  const text = utf8.decode(identity);
  const cut = text.indexOf(":");
  if (cut <= 0 || cut === text.length - 1) return null;
  return { userId: text.slice(0, cut), deviceId: text.slice(cut + 1) };
}

function decodeMessage(bytes: Uint8Array): MLSMessage | null {
  try {
    return decodeMlsMessage(bytes, 0)?.[0] ?? null;
  } catch {
    return null;
  }
}

function encodePrivate(priv: PrivateKeyPackage): Uint8Array {
  return concatBytes([frame(priv.initPrivateKey), frame(priv.hpkePrivateKey), frame(priv.signaturePrivateKey)]);
}

function decodePrivate(bytes: Uint8Array): PrivateKeyPackage | null {
  const parts = readFrames(bytes);
  if (!parts || parts.length !== 3) return null;
  const [initPrivateKey, hpkePrivateKey, signaturePrivateKey] = parts as [Uint8Array, Uint8Array, Uint8Array];
  return { initPrivateKey, hpkePrivateKey, signaturePrivateKey };
}

function decodeKeyPackage(bytes: Uint8Array): KeyPackage | null {
  const message = decodeMessage(bytes);
  return message?.wireformat === "mls_key_package" ? message.keyPackage : null;
}

async function keyPackageRef(keyPackage: KeyPackage): Promise<string> {
  return toHex(await makeKeyPackageRef(keyPackage, (await impl()).hash));
}

class TsMlsGroup implements MlsGroup {
  constructor(private readonly state: ClientState) {}

  get epoch(): number {
    return Number(this.state.groupContext.epoch);
  }

  get groupId(): string {
    return utf8.decode(this.state.groupContext.groupId);
  }

  get ownLeaf(): number {
    return this.state.privatePath.leafIndex;
  }

  members(): Array<LeafMember & { leaf: number; signatureKey: Uint8Array }> {
    const out: Array<LeafMember & { leaf: number; signatureKey: Uint8Array }> = [];
    this.state.ratchetTree.forEach((node, index) => {
      // Leaves sit at even node indexes of the array-based tree; blanks are undefined.
      if (index % 2 !== 0 || node?.nodeType !== "leaf" || node.leaf.credential.credentialType !== "basic") return;
      const member = memberOf(node.leaf.credential.identity);
      if (member) out.push({ ...member, leaf: index / 2, signatureKey: node.leaf.signaturePublicKey });
    });
    return out;
  }

  export(): Uint8Array {
    return encodeGroupState(this.state);
  }

  async commit(change: { add: Uint8Array[]; removeLeaves: number[] }): Promise<GroupCommit> {
    const proposals: Proposal[] = [];
    for (const bytes of change.add) {
      const keyPackage = decodeKeyPackage(bytes);
      if (!keyPackage) throw new Error("not a KeyPackage");
      proposals.push({ proposalType: "add", add: { keyPackage } });
    }
    for (const removed of change.removeLeaves) proposals.push({ proposalType: "remove", remove: { removed } });
    const result = await createCommit({ state: this.state, cipherSuite: await impl() }, { extraProposals: proposals, ratchetTreeExtension: true });
    const welcome = result.welcome ? encodeMlsMessage({ version: "mls10", wireformat: "mls_welcome", welcome: result.welcome }) : null;
    return { commit: encodeMlsMessage(result.commit), welcome, next: new TsMlsGroup(result.newState) };
  }

  async processCommit(bytes: Uint8Array): Promise<MlsGroup> {
    const message = decodeMessage(bytes);
    if (message?.wireformat !== "mls_private_message") throw new Error("not an MLS private message");
    const result = await processPrivateMessage(this.state, message.privateMessage, emptyPskIndex, await impl());
    if (result.kind !== "newState") throw new Error("an application message where a commit was expected");
    return new TsMlsGroup(result.newState);
  }

  async encrypt(plaintext: Uint8Array): Promise<{ ciphertext: Uint8Array; next: MlsGroup }> {
    const result = await createApplicationMessage(this.state, plaintext, await impl());
    const ciphertext = encodeMlsMessage({ version: "mls10", wireformat: "mls_private_message", privateMessage: result.privateMessage });
    return { ciphertext, next: new TsMlsGroup(result.newState) };
  }

  async decrypt(bytes: Uint8Array): Promise<{ plaintext: Uint8Array; next: MlsGroup } | null> {
    const message = decodeMessage(bytes);
    if (message?.wireformat !== "mls_private_message") return null;
    try {
      const result = await processPrivateMessage(this.state, message.privateMessage, emptyPskIndex, await impl());
      return result.kind === "applicationMessage" ? { plaintext: result.message, next: new TsMlsGroup(result.newState) } : null;
    } catch {
      return null; // wrong epoch, a flipped byte, a key we no longer hold: all "could not decrypt"
    }
  }
}

export const tsMlsEngine: MlsEngine = {
  async generateIdentity(): Promise<SigningIdentity> {
    const { publicKey, signKey } = await (await impl()).signature.keygen();
    return { publicKey, privateKey: signKey };
  },

  async createKeyPackage(identity: SigningIdentity, member: LeafMember): Promise<NewKeyPackage> {
    const cs = await impl();
    const { publicPackage, privatePackage } = await generateKeyPackageWithKey(
      credentialOf(member),
      defaultCapabilities(),
      defaultLifetime,
      [],
      { signKey: identity.privateKey, publicKey: identity.publicKey },
      cs,
    );
    const publicBytes = encodeMlsMessage({ version: "mls10", wireformat: "mls_key_package", keyPackage: publicPackage });
    return { ref: await keyPackageRef(publicPackage), publicBytes, privateBytes: encodePrivate(privatePackage) };
  },

  async inspectKeyPackage(bytes: Uint8Array) {
    const keyPackage = decodeKeyPackage(bytes);
    if (!keyPackage || keyPackage.cipherSuite !== SUITE || keyPackage.leafNode.credential.credentialType !== "basic") return null;
    const member = memberOf(keyPackage.leafNode.credential.identity);
    return member ? { ...member, signatureKey: keyPackage.leafNode.signaturePublicKey, ref: await keyPackageRef(keyPackage) } : null;
  },

  async createGroup(groupId: string, bundle: KeyPackageBundle): Promise<MlsGroup> {
    const keyPackage = decodeKeyPackage(bundle.publicBytes);
    const privatePackage = decodePrivate(bundle.privateBytes);
    if (!keyPackage || !privatePackage) throw new Error("a damaged KeyPackage bundle");
    return new TsMlsGroup(await createGroup(utf8.encode(groupId), keyPackage, privatePackage, [], await impl()));
  },

  welcomeRefs(bytes: Uint8Array): string[] {
    const message = decodeMessage(bytes);
    return message?.wireformat === "mls_welcome" ? message.welcome.secrets.map((secret) => toHex(secret.newMember)) : [];
  },

  async joinFromWelcome(bytes: Uint8Array, bundle: KeyPackageBundle): Promise<MlsGroup> {
    const message = decodeMessage(bytes);
    const keyPackage = decodeKeyPackage(bundle.publicBytes);
    const privatePackage = decodePrivate(bundle.privateBytes);
    if (message?.wireformat !== "mls_welcome" || !keyPackage || !privatePackage) throw new Error("not a Welcome for this KeyPackage");
    return new TsMlsGroup(await joinGroup(message.welcome, keyPackage, privatePackage, emptyPskIndex, await impl()));
  },

  async importGroup(bytes: Uint8Array): Promise<MlsGroup> {
    const decoded = decodeGroupState(bytes, 0);
    if (!decoded) throw new Error("a damaged group state");
    return new TsMlsGroup({ ...decoded[0], clientConfig: defaultClientConfig });
  },

  /** Which epoch a handshake or application message claims (readable without keys), or null. */
  messageEpoch(bytes: Uint8Array): number | null {
    const message = decodeMessage(bytes);
    return message?.wireformat === "mls_private_message" ? Number(message.privateMessage.epoch) : null;
  },
};
