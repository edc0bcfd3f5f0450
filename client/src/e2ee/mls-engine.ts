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

export interface MlsGroup {
  readonly epoch: number;
  readonly groupId: string;
  readonly ownLeaf: number;
  members(): Array<LeafMember & { leaf: number; signatureKey: Uint8Array }>;
  export(): Uint8Array;
  commit(change: { add: Uint8Array[]; removeLeaves: number[] }): Promise<GroupCommit>;
  /** Another member's commit, in the room's order. Throws when it does not apply to this state. */
  processCommit(bytes: Uint8Array): Promise<MlsGroup>;
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
  messageEpoch(bytes: Uint8Array): number | null;
}
