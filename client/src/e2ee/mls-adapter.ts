import {
  createApplicationMessage,
  createCommit,
  createGroup,
  createGroupInfoWithExternalPubAndRatchetTree,
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
  joinGroupExternal,
  processPrivateMessage,
  processPublicMessage,
  type CiphersuiteImpl,
  type ClientState,
  type FramedContent,
  type IncomingMessageCallback,
  type KeyPackage,
  type LeafNode,
  type MLSMessage,
  type PrivateKeyPackage,
  type Proposal,
} from "ts-mls";
import { defaultClientConfig, type ClientConfig } from "ts-mls/clientConfig.js";
import { ratchetTreeFromExtension } from "ts-mls/groupInfo.js";
import { makeKeyPackageRef } from "ts-mls/keyPackage.js";
import type {
  ExternalJoin,
  GroupCommit,
  InspectedGroupInfo,
  KeyPackageBundle,
  LeafMember,
  MlsEngine,
  MlsGroup,
  NewKeyPackage,
  SigningIdentity,
} from "./mls-engine";
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

function memberOfLeaf(leaf: LeafNode): LeafMember | null {
  return leaf.credential.credentialType === "basic" ? memberOf(leaf.credential.identity) : null;
}

const sameDevice = (a: LeafMember | null, b: LeafMember | null): boolean => a !== null && b !== null && a.userId === b.userId && a.deviceId === b.deviceId;

type Tree = ClientState["ratchetTree"];

/** The leaves of a ratchet tree that name a device of ours (leaves sit at even node indexes; blanks are undefined). */
function leavesOf(tree: Tree): Array<LeafMember & { leaf: number; signatureKey: Uint8Array }> {
  const out: Array<LeafMember & { leaf: number; signatureKey: Uint8Array }> = [];
  tree.forEach((node, index) => {
    if (index % 2 !== 0 || node?.nodeType !== "leaf") return;
    const member = memberOfLeaf(node.leaf);
    if (member) out.push({ ...member, leaf: index / 2, signatureKey: node.leaf.signaturePublicKey });
  });
  return out;
}

function memberAt(tree: Tree, leaf: number): LeafMember | null {
  const node = tree[leaf * 2];
  return node?.nodeType === "leaf" ? memberOfLeaf(node.leaf) : null;
}

/**
 * The receiver's checks of an External Commit that ts-mls 1.6.4 leaves out (RFC 9420 §12.4.3.2: a
 * Remove in it must be of the joiner's own old leaf), and ours: the room vouches for the sending
 * user, so the new leaf must name that user. Anyone else's leaf stays.
 */
function checkExternalCommit(content: FramedContent, tree: Tree, senderUserId: string): void {
  if (content.sender.senderType !== "new_member_commit" || content.contentType !== "commit") throw new Error("not an External Commit");
  const joiner = content.commit.path ? memberOfLeaf(content.commit.path.leafNode) : null;
  if (joiner?.userId !== senderUserId) throw new Error("an External Commit whose leaf names another user than its sender");
  for (const item of content.commit.proposals) {
    if (item.proposalOrRefType !== "proposal") throw new Error("an External Commit with a proposal by reference");
    if (item.proposal.proposalType === "remove" && !sameDevice(memberAt(tree, item.proposal.remove.removed), joiner))
      throw new Error("an External Commit removing another device's leaf");
  }
}

/**
 * ts-mls's resync finds the old leaf by its signature key, which a device that lost its state no
 * longer has: the same credential (user and device) is what makes a leaf this device's old one.
 */
const sameCredentialConfig: ClientConfig = {
  ...defaultClientConfig,
  keyPackageEqualityConfig: {
    ...defaultClientConfig.keyPackageEqualityConfig,
    compareKeyPackageToLeafNode: (keyPackage, leaf) => sameDevice(memberOfLeaf(keyPackage.leafNode), memberOfLeaf(leaf)),
  },
};

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
    return leavesOf(this.state.ratchetTree);
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

  async groupInfo(): Promise<Uint8Array> {
    const groupInfo = await createGroupInfoWithExternalPubAndRatchetTree(this.state, [], await impl());
    return encodeMlsMessage({ version: "mls10", wireformat: "mls_group_info", groupInfo });
  }

  async processCommit(bytes: Uint8Array, senderUserId: string): Promise<MlsGroup> {
    const message = decodeMessage(bytes);
    if (message?.wireformat === "mls_public_message") {
      // Only an External Commit travels as a PublicMessage here (members' commits are private).
      checkExternalCommit(message.publicMessage.content, this.state.ratchetTree, senderUserId);
      const result = await processPublicMessage(this.state, message.publicMessage, emptyPskIndex, await impl());
      return new TsMlsGroup(result.newState);
    }
    if (message?.wireformat !== "mls_private_message") throw new Error("not an MLS commit");
    const tree = this.state.ratchetTree;
    const fromSender: IncomingMessageCallback = (incoming) =>
      incoming.kind === "commit" && incoming.senderLeafIndex !== undefined && memberAt(tree, incoming.senderLeafIndex)?.userId === senderUserId
        ? "accept"
        : "reject";
    const result = await processPrivateMessage(this.state, message.privateMessage, emptyPskIndex, await impl(), fromSender);
    if (result.kind !== "newState") throw new Error("an application message where a commit was expected");
    if (result.actionTaken === "reject") throw new Error("a commit from a leaf of another user than its sender");
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

  inspectGroupInfo(bytes: Uint8Array): InspectedGroupInfo | null {
    const message = decodeMessage(bytes);
    if (message?.wireformat !== "mls_group_info") return null;
    try {
      const tree = ratchetTreeFromExtension(message.groupInfo);
      const context = message.groupInfo.groupContext;
      return tree ? { groupId: utf8.decode(context.groupId), epoch: Number(context.epoch), members: leavesOf(tree) } : null;
    } catch {
      return null; // a damaged ratchet_tree extension
    }
  },

  async joinExternal(groupInfoBytes: Uint8Array, bundle: KeyPackageBundle): Promise<ExternalJoin> {
    const message = decodeMessage(groupInfoBytes);
    const keyPackage = decodeKeyPackage(bundle.publicBytes);
    const privatePackage = decodePrivate(bundle.privateBytes);
    if (message?.wireformat !== "mls_group_info" || !keyPackage || !privatePackage) throw new Error("not a GroupInfo, or a damaged KeyPackage bundle");
    const self = memberOfLeaf(keyPackage.leafNode);
    const tree = ratchetTreeFromExtension(message.groupInfo) ?? [];
    const former = leavesOf(tree).find((leaf) => sameDevice(leaf, self));
    const cs = await impl();
    const { publicMessage, newState } = await joinGroupExternal(
      message.groupInfo,
      keyPackage,
      privatePackage,
      former !== undefined,
      cs,
      undefined,
      sameCredentialConfig,
    );
    return {
      commit: encodeMlsMessage({ version: "mls10", wireformat: "mls_public_message", publicMessage }),
      replacedLeaf: former?.leaf ?? null,
      // The joined state uses the default config, as every other group does (and as importGroup restores it).
      next: new TsMlsGroup({ ...newState, clientConfig: defaultClientConfig }),
    };
  },

  /** Which epoch a handshake or application message claims (readable without keys), or null. */
  messageEpoch(bytes: Uint8Array): number | null {
    const message = decodeMessage(bytes);
    if (message?.wireformat === "mls_private_message") return Number(message.privateMessage.epoch);
    return message?.wireformat === "mls_public_message" ? Number(message.publicMessage.content.epoch) : null;
  },
};
