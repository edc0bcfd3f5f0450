/**
 * What the SDK needs from an MLS implementation (RFC 9420). Everything crossing this interface is
 * bytes in the RFC's wire encodings (KeyPackage, commit, Welcome and application messages as
 * MLSMessage) or our own opaque state blobs, so swapping the implementation (today: ts-mls, in
 * mls-adapter.ts) changes nothing on the wire. Groups are values: every operation returns the next
 * group and leaves the old one intact, so the SDK can keep the old state until the new one is
 * persisted and (for a commit) accepted by the room.
 */

/** One leaf of a group: one device of one user. */
export interface LeafMember {
  userId: string;
  deviceId: string;
}

/** A device's long-term signing key pair (Ed25519): the identity contacts pin. */
export interface SigningIdentity {
  publicKey: Uint8Array;
  privateKey: Uint8Array;
}

/** A KeyPackage as published (public) plus what only this device keeps (private). */
export interface KeyPackageBundle {
  publicBytes: Uint8Array;
  privateBytes: Uint8Array;
}

export interface NewKeyPackage extends KeyPackageBundle {
  /** The KeyPackageRef (hex): how a Welcome names the package it was made for. */
  ref: string;
}

export interface InspectedKeyPackage extends LeafMember {
  signatureKey: Uint8Array;
  ref: string;
}

export interface GroupCommit {
  commit: Uint8Array;
  /** For the added devices (null when nobody was added). */
  welcome: Uint8Array | null;
  /** The state after the commit: adopt it only once the room accepted the commit. */
  next: MlsGroup;
}

/** What a GroupInfo says before joining: the group, its epoch and its leaves (from its ratchet tree). */
export interface InspectedGroupInfo {
  groupId: string;
  epoch: number;
  members: Array<LeafMember & { leaf: number; signatureKey: Uint8Array }>;
}

export interface ExternalJoin {
  /** The External Commit (an MLSMessage carrying a PublicMessage from a new member), made for the GroupInfo's epoch. */
  commit: Uint8Array;
  /** The leaf of the same device that the commit removes (a resync), or null when the device had none. */
  replacedLeaf: number | null;
  /** The state after the commit: adopt it only once the room accepted the commit. */
  next: MlsGroup;
}

export interface MlsGroup {
  readonly epoch: number;
  readonly groupId: string;
  readonly ownLeaf: number;
  members(): Array<LeafMember & { leaf: number; signatureKey: Uint8Array }>;
  export(): Uint8Array;
  commit(change: { add: Uint8Array[]; removeLeaves: number[] }): Promise<GroupCommit>;
  /** This epoch's GroupInfo (MLSMessage) with the external_pub key and the ratchet tree: what an External Commit is made from. */
  groupInfo(): Promise<Uint8Array>;
  /**
   * Another device's commit, in the room's order; `senderUserId` is the user the room says sent it.
   * Throws when it does not apply to this state, or its committer is not a leaf of that user: a
   * member commit from another user's leaf, an External Commit whose new leaf names another user or
   * that removes any leaf but the joining device's own old one.
   */
  processCommit(bytes: Uint8Array, senderUserId: string): Promise<MlsGroup>;
  encrypt(plaintext: Uint8Array): Promise<{ ciphertext: Uint8Array; next: MlsGroup }>;
  /** null: not decryptable here (tampered, another epoch we hold no keys for, not for us). Never throws. */
  decrypt(bytes: Uint8Array): Promise<{ plaintext: Uint8Array; next: MlsGroup } | null>;
}

export interface MlsEngine {
  generateIdentity(): Promise<SigningIdentity>;
  createKeyPackage(identity: SigningIdentity, member: LeafMember): Promise<NewKeyPackage>;
  /** Decodes and checks a claimed KeyPackage (suite, credential shape); null if it is not one of ours. */
  inspectKeyPackage(bytes: Uint8Array): Promise<InspectedKeyPackage | null>;
  createGroup(groupId: string, bundle: KeyPackageBundle): Promise<MlsGroup>;
  /** The KeyPackageRefs (hex) a Welcome carries secrets for. */
  welcomeRefs(bytes: Uint8Array): string[];
  joinFromWelcome(bytes: Uint8Array, bundle: KeyPackageBundle): Promise<MlsGroup>;
  importGroup(bytes: Uint8Array): Promise<MlsGroup>;
  /** Decodes a GroupInfo (MLSMessage); null when it is not one or carries no ratchet tree. */
  inspectGroupInfo(bytes: Uint8Array): InspectedGroupInfo | null;
  /**
   * Joins by External Commit from a GroupInfo, with this device's fresh KeyPackage. When the tree
   * still holds a leaf of the same user and device (a device that lost its state), the commit
   * removes it (resync), so the device never has two leaves.
   */
  joinExternal(groupInfo: Uint8Array, bundle: KeyPackageBundle): Promise<ExternalJoin>;
  messageEpoch(bytes: Uint8Array): number | null;
}
